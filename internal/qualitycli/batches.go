package qualitycli

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/thalamus-network/thalamus/internal/sidecar"
	"github.com/thalamus-network/thalamus/pkg/nab"
	"github.com/thalamus-network/thalamus/pkg/quality"
	"github.com/thalamus-network/thalamus/pkg/reading"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

func batchesCmd() *cobra.Command {
	var (
		kind         string
		interval     time.Duration
		size         int
		epochBatches uint32
	)
	cmd := &cobra.Command{
		Use:   "batches FILE.csv",
		Short: "Score a series batch by batch as validators score a device; prints one CSV row per batch",
		Long: `batches cuts a timestamp,value series (NAB format) into batches of --batch readings, in file
order, and scores them as every validator's sidecar scores a device's batches: the hard
checks and the detector, state carried from batch to batch, each batch scored on the window
anchored at its scoring epoch (x/sensors' scoring_epoch_batches, --epoch-batches). It prints
CSV first_timestamp,last_timestamp,readings,score,flags: the batch's first and last rows,
its score in 0-10000 (what x/rewards pays the readings at) and its flags, |-separated.
The device reads every --interval (default: the file's median spacing), in the declared
range of --kind (default: none). Rows whose timestamps go back are scored where they stand
and flagged out_of_order; stderr names the first of them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if size <= 0 {
				return fmt.Errorf("--batch must be at least 1, got %d", size)
			}
			params := sensorstypes.DefaultParams()
			params.ScoringEpochBatches = epochBatches
			if err := params.Validate(); err != nil {
				return fmt.Errorf("--epoch-batches: %w", err)
			}
			m := quality.Embedded()
			s, err := readSeriesFile(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			channel := sensorstypes.Channel{Name: "value"}
			if kind != "" {
				lo, hi, err := kindRange(m, kind)
				if err != nil {
					return err
				}
				channel.Min, channel.Max = strconv.FormatFloat(lo, 'g', -1, 64), strconv.FormatFloat(hi, 'g', -1, 64)
			}
			results, err := ScoreBatches(m, s, channel, interval, size, params)
			if err != nil {
				return err
			}
			modelLine(cmd.ErrOrStderr(), m)
			w := csv.NewWriter(cmd.OutOrStdout())
			_ = w.Write([]string{"first_timestamp", "last_timestamp", "readings", "score", "flags"})
			for i, r := range results {
				first, last := BatchRows(i, size, len(s.Values))
				_ = w.Write([]string{s.Timestamps[first].Format(nab.TimeLayout), s.Timestamps[last].Format(nab.TimeLayout),
					strconv.Itoa(last - first + 1), strconv.FormatUint(uint64(r.Score), 10), flagNames(r.Flags)})
			}
			w.Flush()
			return w.Error()
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "sensor kind whose declared range the device declares (weather, air, energy, traffic, gpu-telemetry)")
	cmd.Flags().DurationVar(&interval, "interval", 0, "the device's sampling interval (default: the file's median spacing)")
	cmd.Flags().IntVar(&size, "batch", 100, "readings per batch")
	cmd.Flags().Uint32Var(&epochBatches, "epoch-batches", sensorstypes.DefaultParams().ScoringEpochBatches, "x/sensors scoring_epoch_batches")
	return cmd
}

// ScoreBatches cuts s into batches of size rows in file order and scores them as validators
// score a device with this one channel that reads every interval (0: the series' median
// spacing): sidecar.ScoreSeries under params.
func ScoreBatches(m quality.Model, s nab.Series, channel sensorstypes.Channel, interval time.Duration, size int, params sensorstypes.Params) ([]sidecar.Result, error) {
	device := sensorstypes.Device{
		SamplingInterval: intervalOr(s, interval),
		Channels:         []sensorstypes.Channel{channel},
	}
	var batches [][]reading.Reading
	for i := 0; i*size < len(s.Values); i++ {
		first, last := BatchRows(i, size, len(s.Values))
		b := make([]reading.Reading, 0, last-first+1)
		for r := first; r <= last; r++ {
			b = append(b, reading.Reading{TimestampMs: s.Timestamps[r].UnixMilli(), Values: []float64{s.Values[r]}})
		}
		batches = append(batches, b)
	}
	return sidecar.ScoreSeries(m, device, params, batches)
}

// BatchRows is the first and last row of batch i of a series of n rows cut into batches of size.
func BatchRows(i, size, n int) (int, int) {
	return i * size, min((i+1)*size, n) - 1
}

// flagNames are batch flags as the chain names them, lower case without the prefix.
func flagNames(flags []uint32) string {
	names := make([]string, len(flags))
	for i, f := range flags {
		names[i] = strings.ToLower(strings.TrimPrefix(sensorstypes.BatchFlag(f).String(), "BATCH_FLAG_"))
	}
	return strings.Join(names, "|")
}
