package sensorsim

import (
	"fmt"
	"math/rand"
	"strings"
)

// Fault is a way a device goes wrong.
type Fault string

// The faults a simulated device can show, from its onset step on.
const (
	FaultNone    Fault = ""
	FaultStuck   Fault = "stuck"   // the value freezes
	FaultSpike   Fault = "spike"   // one reading in ten jumps far out of range
	FaultDrift   Fault = "drift"   // a bias grows by a tenth of the span every 100 steps
	FaultNoise   Fault = "noise"   // Gaussian noise of half the span
	FaultReplay  Fault = "replay"  // an earlier stretch of values is replayed over and over
	FaultOffline Fault = "offline" // silent for 40 of every 60 steps
)

// Faults lists every fault, for flags and docs.
var Faults = []Fault{FaultStuck, FaultSpike, FaultDrift, FaultNoise, FaultReplay, FaultOffline}

// ParseFault accepts a fault name.
func ParseFault(s string) (Fault, error) {
	for _, f := range Faults {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Faults))
	for i, f := range Faults {
		names[i] = string(f)
	}
	return FaultNone, fmt.Errorf("unknown fault %q (want one of %s)", s, strings.Join(names, ", "))
}

// faulty wraps a clean source with a fault that starts at onset.
type faulty struct {
	clean  Source
	fault  Fault
	onset  int
	rng    *rand.Rand
	stuck  float64
	window int // replay window length
}

// Sample returns the value at step and whether the device sends anything then.
func (f *faulty) Sample(step int) (float64, bool) {
	v := f.clean.Value(step)
	if f.fault == FaultNone || step < f.onset {
		return v, true
	}
	lo, hi := f.clean.Range()
	span := hi - lo
	since := step - f.onset
	switch f.fault {
	case FaultStuck:
		if since == 0 {
			f.stuck = v
		}
		return f.stuck, true
	case FaultSpike:
		if since%10 == 0 {
			return hi + span*(1+f.rng.Float64()), true
		}
	case FaultDrift:
		return v + span/10*float64(since)/100, true
	case FaultNoise:
		return v + span/2*f.rng.NormFloat64(), true
	case FaultReplay:
		return f.clean.Value(f.onset - f.window + since%f.window), true
	case FaultOffline:
		return v, since%60 < 20
	}
	return v, true
}
