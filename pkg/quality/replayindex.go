package quality

// replayIndex maps a window hash to the reading count of its last occurrence, for the windows
// of the replay ring: open addressing with linear probing at twice the ring's size, so a
// reading costs a few array probes instead of four map operations. Not saved: rebuilt from
// the ring.
type replayIndex struct {
	keys [replaySlots]uint64
	at   [replaySlots]int
	used [replaySlots]bool
	n    int
}

const replaySlots = 2 * replayMemory // a power of two

// slot finds h, or the empty slot where it would go.
func (x *replayIndex) slot(h uint64) (int, bool) {
	i := int(h & (replaySlots - 1))
	for x.used[i] {
		if x.keys[i] == h {
			return i, true
		}
		i = (i + 1) & (replaySlots - 1)
	}
	return i, false
}

func (x *replayIndex) get(h uint64) (int, bool) {
	if i, ok := x.slot(h); ok {
		return x.at[i], true
	}
	return 0, false
}

// set records h at reading count at. The ring never holds more than replayMemory windows, so
// the table stays at most half full.
func (x *replayIndex) set(h uint64, at int) {
	i, ok := x.slot(h)
	if !ok {
		x.keys[i], x.used[i] = h, true
		x.n++
	}
	x.at[i] = at
}

// del removes h, shifting later entries of its probe run back so every lookup still finds
// its key without tombstones.
func (x *replayIndex) del(h uint64) {
	i, ok := x.slot(h)
	if !ok {
		return
	}
	x.n--
	for {
		x.used[i] = false
		j := i
		for {
			j = (j + 1) & (replaySlots - 1)
			if !x.used[j] {
				return
			}
			home := int(x.keys[j] & (replaySlots - 1))
			// The entry at j may move to i unless its home lies cyclically in (i, j].
			if i <= j && i < home && home <= j || i > j && (i < home || home <= j) {
				continue
			}
			x.keys[i], x.at[i], x.used[i] = x.keys[j], x.at[j], true
			i = j
			break
		}
	}
}
