package types

import (
	"fmt"
	"slices"

	errorsmod "cosmossdk.io/errors"
	"github.com/cosmos/gogoproto/proto"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
)

// maxFlag bounds a reported flag value; x/sensors' BatchFlag values are far below it.
const maxFlag = 64

// MaxTaskItems bounds the items of one sensor task, and so the scores of one report.
const MaxTaskItems = 100

// MaxSeriesLength bounds a series name (a bech32 account address).
const MaxSeriesLength = 128

// maxModelHashLen is the length of a hex SHA-256.
const maxModelHashLen = 64

// ExtensionMarker starts the proposal's first transaction when it carries the extended
// commit. No SDK transaction starts with it (they start with a protobuf tag, 0x0a).
var ExtensionMarker = []byte("thalamus/oracle/ve/v1:")

// TaskKinds lists the kinds tasks may have.
func TaskKinds() []TaskKind {
	return []TaskKind{TASK_KIND_GPU_CHALLENGE, TASK_KIND_SENSOR_BATCH}
}

// ValidKind reports whether k is a kind tasks may have.
func ValidKind(k TaskKind) bool {
	return slices.Contains(TaskKinds(), k)
}

// Validate checks one report against the bounds every vote extension must keep.
func (r TaskReport) Validate() error {
	if r.TaskId == 0 {
		return errorsmod.Wrap(ErrInvalidExtension, "task id 0")
	}
	if _, ok := Verdict_name[int32(r.Verdict)]; !ok {
		return errorsmod.Wrapf(ErrInvalidExtension, "task %d: unknown verdict %d", r.TaskId, r.Verdict)
	}
	if len(r.Items) > MaxTaskItems {
		return errorsmod.Wrapf(ErrInvalidExtension, "task %d: %d items, at most %d", r.TaskId, len(r.Items), MaxTaskItems)
	}
	for i, item := range r.Items {
		if err := item.Validate(); err != nil {
			return errorsmod.Wrapf(ErrInvalidExtension, "task %d, item %d: %s", r.TaskId, i, err)
		}
	}
	return nil
}

// Validate checks a score's range and that its flags are increasing values in [1, maxFlag).
func (s ItemScore) Validate() error {
	if s.Score > appconsts.MaxScore {
		return fmt.Errorf("score %d above %d", s.Score, appconsts.MaxScore)
	}
	if len(s.Flags) > maxFlag {
		return fmt.Errorf("%d flags", len(s.Flags))
	}
	for i, f := range s.Flags {
		if f == 0 || f >= maxFlag || (i > 0 && f <= s.Flags[i-1]) {
			return fmt.Errorf("flags must be increasing values in [1, %d)", maxFlag)
		}
	}
	return nil
}

// Validate checks a decoded vote extension: at most maxReports reports in strictly
// increasing task id, each within bounds, and a model hash of at most 64 hex characters.
func (ve OracleVoteExtension) Validate(maxReports uint32) error {
	if len(ve.ModelHash) > maxModelHashLen || !isLowerHex(ve.ModelHash) {
		return errorsmod.Wrapf(ErrInvalidExtension, "model hash %q is not lowercase hex of at most %d characters", ve.ModelHash, maxModelHashLen)
	}
	if uint64(len(ve.Reports)) > uint64(maxReports) {
		return errorsmod.Wrapf(ErrInvalidExtension, "%d reports, at most %d", len(ve.Reports), maxReports)
	}
	for i, r := range ve.Reports {
		if r == nil {
			return errorsmod.Wrap(ErrInvalidExtension, "empty report")
		}
		if i > 0 && r.TaskId <= ve.Reports[i-1].TaskId {
			return errorsmod.Wrap(ErrInvalidExtension, "reports must be in strictly increasing task id")
		}
		if err := r.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// DecodeExtension decodes and bounds-checks a vote extension; an empty one is valid (a
// validator whose sidecar had nothing or was down).
func DecodeExtension(bz []byte, maxReports uint32) (OracleVoteExtension, error) {
	var ve OracleVoteExtension
	if len(bz) == 0 {
		return ve, nil
	}
	// Reject oversized input before decoding it: a report is at most 16 bytes and its items.
	if uint64(len(bz)) > uint64(maxReports)*(16+MaxTaskItems*(8+maxFlag*2))+maxModelHashLen+16 {
		return ve, errorsmod.Wrapf(ErrInvalidExtension, "%d bytes is too large for %d reports", len(bz), maxReports)
	}
	if err := proto.Unmarshal(bz, &ve); err != nil {
		return ve, errorsmod.Wrapf(ErrInvalidExtension, "decode: %v", err)
	}
	return ve, ve.Validate(maxReports)
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Validate checks a stored task.
func (t Task) Validate() error {
	switch {
	case t.Id == 0:
		return errorsmod.Wrap(ErrInvalidTask, "id 0")
	case !ValidKind(t.Kind):
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: kind %s", t.Id, t.Kind)
	case t.Module == "":
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: no module", t.Id)
	case t.Status == TASK_STATUS_UNSPECIFIED || TaskStatus_name[int32(t.Status)] == "":
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: status %s", t.Id, t.Status)
	case t.DeadlineHeight < t.OpenedHeight:
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: deadline %d before opening %d", t.Id, t.DeadlineHeight, t.OpenedHeight)
	case len(t.PayloadHash) > 64:
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: payload hash of %d bytes", t.Id, len(t.PayloadHash))
	case len(t.Committee) > MaxCommitteeSize:
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: committee of %d, at most %d", t.Id, len(t.Committee), MaxCommitteeSize)
	case (t.Kind == TASK_KIND_SENSOR_BATCH) != (len(t.Items) > 0) || len(t.Items) > MaxTaskItems:
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: %d items (a sensor task has 1-%d, a GPU challenge none)", t.Id, len(t.Items), MaxTaskItems)
	case len(t.Series) > MaxSeriesLength:
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: series of %d characters", t.Id, len(t.Series))
	}
	for i, item := range t.Items {
		if len(item.PayloadHash) > 64 {
			return errorsmod.Wrapf(ErrInvalidTask, "task %d, item %d: payload hash of %d bytes", t.Id, i, len(item.PayloadHash))
		}
	}
	if m, ok := misSeated(t.Committee); ok {
		return errorsmod.Wrapf(ErrInvalidTask, "task %d: committee member %q empty or seated twice", t.Id, m)
	}
	return nil
}

// misSeated returns the first committee member that is empty or seated twice.
func misSeated(members []string) (string, bool) {
	seated := make(map[string]bool, len(members))
	for _, m := range members {
		if m == "" || seated[m] {
			return m, true
		}
		seated[m] = true
	}
	return "", false
}

// Verifies reports whether the validator with consensus address addr (bech32 valcons) must
// verify the task: every validator does when it has no committee or was escalated.
func (t Task) Verifies(addr string) bool {
	return !t.HasCommittee() || slices.Contains(t.Committee, addr)
}

// HasCommittee reports whether the task is still decided by its committee alone.
func (t Task) HasCommittee() bool {
	return len(t.Committee) > 0 && !t.Escalated
}

// ClosedHeight is when a finalised or expired task closed: its finalisation height, or the
// block after its deadline.
func (t Task) ClosedHeight() int64 {
	if t.Status == TASK_STATUS_FINALIZED {
		return t.Result.FinalizedHeight
	}
	return t.DeadlineHeight + 1
}

// Label names the task for logs.
func (t Task) Label() string {
	if len(t.Items) > 0 {
		return fmt.Sprintf("task %d (%s, %d items of %s)", t.Id, t.Kind, len(t.Items), t.Series)
	}
	return fmt.Sprintf("task %d (%s %d/%d)", t.Id, t.Kind, t.SubjectId, t.SubjectSeq)
}
