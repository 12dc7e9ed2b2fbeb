package types

import (
	"fmt"
	"net/url"
	"regexp"
	"unicode/utf8"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

var (
	// regionPattern keeps region tags short and machine-friendly, e.g. eu-west or us-east-2.
	regionPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	// gpuUUIDPattern is NVML's UUID format (nvmlDeviceGetUUID), lowercase hex.
	gpuUUIDPattern = regexp.MustCompile(`^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// versionPattern matches driver and CUDA versions such as 550.54.15 or 12.4.
	versionPattern = regexp.MustCompile(`^[0-9]{1,4}(\.[0-9]{1,4}){0,3}$`)
)

const (
	maxMonikerLength  = 64
	maxEndpointLength = 256
	maxModelLength    = 96
)

// ValidateProviderInfo checks a provider's moniker, endpoint and region.
func ValidateProviderInfo(moniker, endpoint, region string) error {
	if err := validateText("moniker", moniker, maxMonikerLength); err != nil {
		return errorsmod.Wrap(ErrInvalidProviderInfo, err.Error())
	}
	if len(endpoint) > maxEndpointLength {
		return errorsmod.Wrapf(ErrInvalidProviderInfo, "endpoint longer than %d bytes", maxEndpointLength)
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errorsmod.Wrapf(ErrInvalidProviderInfo, "endpoint %q must be an http(s) URL with a host", endpoint)
	}
	if !regionPattern.MatchString(region) {
		return errorsmod.Wrapf(ErrInvalidProviderInfo, "region %q must match %s", region, regionPattern)
	}
	return nil
}

// FormatGPUUUID writes 16 bytes in NVML's UUID format, for simulated and benchmark GPUs.
func FormatGPUUUID(b [16]byte) string {
	return fmt.Sprintf("GPU-%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ValidateGPUInfo checks the typed fields a provider declares for a GPU.
func ValidateGPUInfo(uuid, model string, memoryMiB uint64, driverVersion, cudaVersion string) error {
	if !gpuUUIDPattern.MatchString(uuid) {
		return errorsmod.Wrapf(ErrInvalidGPU, "uuid %q must be an NVML UUID (GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, lowercase hex)", uuid)
	}
	if err := validateText("model", model, maxModelLength); err != nil {
		return errorsmod.Wrap(ErrInvalidGPU, err.Error())
	}
	// 1 MiB to 16 TiB: anything outside is a typo or an attack on capacity matching.
	if memoryMiB == 0 || memoryMiB > 16<<20 {
		return errorsmod.Wrapf(ErrInvalidGPU, "memory_mib %d out of range (1..%d)", memoryMiB, 16<<20)
	}
	if !versionPattern.MatchString(driverVersion) {
		return errorsmod.Wrapf(ErrInvalidGPU, "driver_version %q must look like 550.54.15", driverVersion)
	}
	if !versionPattern.MatchString(cudaVersion) {
		return errorsmod.Wrapf(ErrInvalidGPU, "cuda_version %q must look like 12.4", cudaVersion)
	}
	return nil
}

// validateText accepts non-empty printable UTF-8 up to maxLen bytes.
func validateText(field, s string, maxLen int) error {
	if s == "" || len(s) > maxLen || !utf8.ValidString(s) {
		return errorsmod.Wrapf(ErrInvalidProviderInfo, "%s must be 1..%d bytes of UTF-8", field, maxLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errorsmod.Wrapf(ErrInvalidProviderInfo, "%s must not contain control characters", field)
		}
	}
	return nil
}

// MaxLeaseHours bounds offer terms to one year.
const MaxLeaseHours = 8_760

// ValidateOfferTerms checks an offer's price (positive, in denom, fits the price index) and lease bounds.
func ValidateOfferTerms(price sdk.Coin, denom string, minHours, maxHours, gpus uint32) error {
	if err := price.Validate(); err != nil || price.Denom != denom || !price.IsPositive() || !price.Amount.IsUint64() {
		return errorsmod.Wrapf(ErrInvalidOffer, "price_per_gpu_hour must be a positive amount of %s below 2^64, got %s", denom, price)
	}
	if minHours == 0 || maxHours < minHours || maxHours > MaxLeaseHours {
		return errorsmod.Wrapf(ErrInvalidOffer, "lease hours must satisfy 1 <= min (%d) <= max (%d) <= %d", minHours, maxHours, MaxLeaseHours)
	}
	if gpus == 0 {
		return errorsmod.Wrap(ErrInvalidOffer, "gpus must be positive")
	}
	return nil
}
