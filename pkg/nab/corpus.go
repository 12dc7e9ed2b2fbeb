// Package nab reads a corpus in the Numenta Anomaly Benchmark layout and scores anomaly
// detectors on it with NAB's rules: per-row weights from the labelled windows, one
// threshold per profile swept exhaustively over the whole corpus, and normalisation so
// that the null detector scores 0 and a perfect one 100. It is our own implementation of
// the procedure described in shared/research/anomaly-benchmark.md section 2.
package nab

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is NAB's timestamp format.
const TimeLayout = "2006-01-02 15:04:05"

// Series is one data file.
type Series struct {
	Name       string // "<category>/<file>.csv", as in the label files
	Category   string
	Timestamps []time.Time
	Values     []float64
	// Windows are the labelled anomaly windows as inclusive row ranges, in order.
	Windows [][2]int
	// Backwards are the file lines (the header is line 1) whose timestamp is before the
	// previous row's. Rows stay in file order: that is the order a sensor sent them in.
	Backwards []int
}

// MedianSpacing is the median time between the series' rows (rows that go back excluded),
// 0 for fewer than two rows.
func (s Series) MedianSpacing() time.Duration {
	var spacing []time.Duration
	for i := 1; i < len(s.Timestamps); i++ {
		if d := s.Timestamps[i].Sub(s.Timestamps[i-1]); d >= 0 {
			spacing = append(spacing, d)
		}
	}
	if len(spacing) == 0 {
		return 0
	}
	slices.Sort(spacing)
	return spacing[len(spacing)/2]
}

// TouchesWindow reports whether rows first..last (inclusive) meet a labelled window.
func (s Series) TouchesWindow(first, last int) bool {
	for _, w := range s.Windows {
		if w[0] <= last && first <= w[1] {
			return true
		}
	}
	return false
}

// Profile is a NAB cost matrix.
type Profile struct {
	Name                         string
	TPWeight, FPWeight, FNWeight float64
}

// Corpus is a NAB data set: series with their windows, and the scoring profiles.
type Corpus struct {
	Series   []Series
	Profiles []Profile
}

// ReadSeries reads a `timestamp,value` CSV in file order; errors name the line. Rows whose
// timestamp goes back are kept and listed in Backwards (NAB's own
// machine_temperature_system_failure.csv has twelve).
func ReadSeries(r io.Reader, name string) (Series, error) {
	s := Series{Name: name, Category: filepath.Dir(name)}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return s, fmt.Errorf("%s line 1: %w", name, err)
	}
	if len(header) != 2 || strings.TrimSpace(header[0]) != "timestamp" || strings.TrimSpace(header[1]) != "value" {
		return s, fmt.Errorf("%s line 1: want the header timestamp,value, got %q", name, strings.Join(header, ","))
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s, fmt.Errorf("%s line %d: %w", name, line, err)
		}
		if len(rec) != 2 {
			return s, fmt.Errorf("%s line %d: want 2 fields, got %d", name, line, len(rec))
		}
		ts, err := time.Parse(TimeLayout, strings.TrimSpace(rec[0]))
		if err != nil {
			return s, fmt.Errorf("%s line %d: timestamp %q is not YYYY-MM-DD HH:MM:SS", name, line, rec[0])
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err != nil {
			return s, fmt.Errorf("%s line %d: value %q is not a number", name, line, rec[1])
		}
		if n := len(s.Timestamps); n > 0 && ts.Before(s.Timestamps[n-1]) {
			s.Backwards = append(s.Backwards, line)
		}
		s.Timestamps = append(s.Timestamps, ts)
		s.Values = append(s.Values, v)
	}
	if len(s.Values) == 0 {
		return s, fmt.Errorf("%s: no rows", name)
	}
	return s, nil
}

// Load reads dir/data/<category>/*.csv, dir/labels/combined_windows.json and
// dir/config/profiles.json.
func Load(dir string) (*Corpus, error) {
	files, err := filepath.Glob(filepath.Join(dir, "data", "*", "*.csv"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no data/<category>/*.csv files", dir)
	}
	sort.Strings(files)
	var windows map[string][][2]string
	if err := readJSON(filepath.Join(dir, "labels", "combined_windows.json"), &windows); err != nil {
		return nil, err
	}
	c := &Corpus{}
	for _, path := range files {
		name := filepath.ToSlash(strings.TrimPrefix(path, filepath.Join(dir, "data")+string(filepath.Separator)))
		f, err := os.Open(path) //nolint:gosec // files of the corpus the caller named
		if err != nil {
			return nil, err
		}
		s, err := ReadSeries(f, name)
		_ = f.Close()
		if err != nil {
			return nil, err
		}
		if s.Windows, err = windowRows(s, windows[name]); err != nil {
			return nil, err
		}
		c.Series = append(c.Series, s)
	}
	if c.Profiles, err = readProfiles(filepath.Join(dir, "config", "profiles.json")); err != nil {
		return nil, err
	}
	return c, nil
}

// windowRows turns labelled windows (timestamps) into row ranges by timestamp equality.
func windowRows(s Series, windows [][2]string) ([][2]int, error) {
	index := make(map[time.Time]int, len(s.Timestamps))
	for i, ts := range s.Timestamps {
		if _, seen := index[ts]; !seen {
			index[ts] = i
		}
	}
	var out [][2]int
	for _, w := range windows {
		var rows [2]int
		for k, label := range w {
			ts, err := time.Parse(TimeLayout, strings.TrimSuffix(label, ".000000"))
			if err != nil {
				return nil, fmt.Errorf("%s: window bound %q: %w", s.Name, label, err)
			}
			i, ok := index[ts]
			if !ok {
				return nil, fmt.Errorf("%s: window bound %s is not a row timestamp", s.Name, label)
			}
			rows[k] = i
		}
		out = append(out, rows)
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	return out, nil
}

func readProfiles(path string) ([]Profile, error) {
	var raw map[string]struct {
		CostMatrix map[string]float64 `json:"CostMatrix"`
	}
	if err := readJSON(path, &raw); err != nil {
		return nil, err
	}
	var out []Profile
	for _, name := range []string{"standard", "reward_low_FP_rate", "reward_low_FN_rate"} {
		p, ok := raw[name]
		if !ok {
			return nil, fmt.Errorf("%s: profile %s missing", path, name)
		}
		out = append(out, Profile{Name: name, TPWeight: p.CostMatrix["tpWeight"], FPWeight: p.CostMatrix["fpWeight"], FNWeight: p.CostMatrix["fnWeight"]})
	}
	return out, nil
}

func readJSON(path string, v any) error {
	bz, err := os.ReadFile(path) //nolint:gosec // a file of the corpus the caller named
	if err != nil {
		return err
	}
	if err := json.Unmarshal(bz, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Categories lists the corpus categories in order.
func (c *Corpus) Categories() []string {
	var out []string
	for _, s := range c.Series {
		if len(out) == 0 || out[len(out)-1] != s.Category {
			out = append(out, s.Category)
		}
	}
	return out
}
