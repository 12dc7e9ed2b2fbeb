package runtime

import (
	"bytes"
	"sync"
)

// Logs keeps a workload's last lines for tail requests and hands new lines to followers.
// It is an io.Writer for the runtime's stdout and stderr.
type Logs struct {
	mu        sync.Mutex
	max       int
	lines     [][]byte
	partial   []byte
	followers map[chan []byte]struct{}
}

// NewLogs keeps the last max lines.
func NewLogs(max int) *Logs {
	return &Logs{max: max, followers: map[chan []byte]struct{}{}}
}

// Write splits p into lines; an unfinished line waits for its end.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	data := append(l.partial, p...) //nolint:gocritic // partial is replaced below, never read again
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		l.add(bytes.Clone(data[:i+1]))
		data = data[i+1:]
	}
	l.partial = bytes.Clone(data)
	return len(p), nil
}

func (l *Logs) add(line []byte) {
	l.lines = append(l.lines, line)
	if len(l.lines) > l.max {
		l.lines = l.lines[len(l.lines)-l.max:]
	}
	for ch := range l.followers {
		select {
		case ch <- line:
		default: // a slow follower misses lines rather than blocking the workload
		}
	}
}

// Tail returns the last n lines (all kept lines if n <= 0).
func (l *Logs) Tail(n int) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tail(n)
}

func (l *Logs) tail(n int) []byte {
	start := 0
	if n > 0 && n < len(l.lines) {
		start = len(l.lines) - n
	}
	return bytes.Join(l.lines[start:], nil)
}

// Follow returns the last n lines and a channel of the lines written after them; stop ends
// it. Both are taken under one lock, so no line falls between them.
func (l *Logs) Follow(n int) (tail []byte, lines <-chan []byte, stop func()) {
	ch := make(chan []byte, 256)
	l.mu.Lock()
	tail = l.tail(n)
	l.followers[ch] = struct{}{}
	l.mu.Unlock()
	return tail, ch, func() {
		l.mu.Lock()
		delete(l.followers, ch)
		l.mu.Unlock()
	}
}
