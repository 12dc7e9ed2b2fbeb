// Package cuda is the proof-of-work backend for NVIDIA GPUs. It loads the CUDA driver
// (libcuda.so.1) at run time with purego, so it needs no cgo and no CUDA toolkit: only the
// driver a GPU machine already has. The kernels (kernels/pow.cu) are compiled to PTX by
// `make cuda`, committed and embedded; the driver JIT-compiles them for the installed GPU.
// Their integer core is checked against pkg/pow's reference on the CPU in every test run.
package cuda

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// result is a CUresult.
type result int32

const success result = 0

// Driver errors that need their own advice (cuda.h).
const (
	errNoDevice          result = 100 // CUDA_ERROR_NO_DEVICE
	errOutOfMemory       result = 2   // CUDA_ERROR_OUT_OF_MEMORY
	errUnsupportedPTX    result = 222 // CUDA_ERROR_UNSUPPORTED_PTX_VERSION: the driver is older than the PTX
	errNoBinaryForGPU    result = 209 // CUDA_ERROR_NO_BINARY_FOR_GPU
	errJITNotFound       result = 221 // CUDA_ERROR_JIT_COMPILER_NOT_FOUND
	errNotFound          result = 500 // CUDA_ERROR_NOT_FOUND: no such kernel in the module
	errSystemDriverMatch result = 803 // CUDA_ERROR_SYSTEM_DRIVER_MISMATCH
	errStubLibrary       result = 34  // CUDA_ERROR_STUB_LIBRARY
)

var (
	// ErrNoDriver means libcuda.so.1 could not be loaded: no NVIDIA driver is installed.
	ErrNoDriver = errors.New("no NVIDIA driver: libcuda.so.1 cannot be loaded (install the NVIDIA driver, or use --backend cpu)")
	// ErrNoDevice means the driver is there but sees no GPU.
	ErrNoDevice = errors.New("the NVIDIA driver sees no CUDA GPU (check nvidia-smi, or use --backend cpu)")
)

// driver holds the CUDA driver API functions. Sizes and device pointers are 64-bit (the _v2
// entry points); handles are pointers.
type driver struct {
	cuInit                    func(flags uint32) result
	cuDriverGetVersion        func(v *int32) result
	cuDeviceGetCount          func(n *int32) result
	cuDeviceGet               func(dev *int32, ordinal int32) result
	cuDeviceGetName           func(name *byte, size int32, dev int32) result
	cuDeviceGetUuid           func(uuid *[16]byte, dev int32) result
	cuDeviceGetAttribute      func(v *int32, attr int32, dev int32) result
	cuDeviceTotalMem          func(bytes *uint64, dev int32) result
	cuDevicePrimaryCtxRetain  func(ctx *uintptr, dev int32) result
	cuDevicePrimaryCtxRelease func(dev int32) result
	cuCtxSetCurrent           func(ctx uintptr) result
	cuCtxSynchronize          func() result
	cuModuleLoadDataEx        func(mod *uintptr, image unsafe.Pointer, n uint32, opts unsafe.Pointer, vals unsafe.Pointer) result
	cuModuleGetFunction       func(fn *uintptr, mod uintptr, name string) result
	cuModuleUnload            func(mod uintptr) result
	cuMemGetInfo              func(free, total *uint64) result
	cuMemAlloc                func(ptr *uint64, bytes uint64) result
	cuMemFree                 func(ptr uint64) result
	cuMemcpyHtoD              func(dst uint64, src unsafe.Pointer, bytes uint64) result
	cuMemcpyDtoH              func(dst unsafe.Pointer, src uint64, bytes uint64) result
	cuMemsetD8                func(dst uint64, v uint8, n uint64) result
	cuLaunchKernel            func(fn uintptr, gx, gy, gz, bx, by, bz, smem uint32, stream uintptr, params unsafe.Pointer, extra unsafe.Pointer) result
	cuFuncSetAttribute        func(fn uintptr, attr int32, v int32) result
	cuGetErrorName            func(r result, s **byte) result
	cuGetErrorString          func(r result, s **byte) result
}

// symbols maps each function to its libcuda symbol.
func (d *driver) symbols() map[string]any {
	return map[string]any{
		"cuInit": &d.cuInit, "cuDriverGetVersion": &d.cuDriverGetVersion, "cuDeviceGetCount": &d.cuDeviceGetCount,
		"cuDeviceGet": &d.cuDeviceGet, "cuDeviceGetName": &d.cuDeviceGetName, "cuDeviceGetUuid": &d.cuDeviceGetUuid,
		"cuDeviceGetAttribute": &d.cuDeviceGetAttribute, "cuDeviceTotalMem_v2": &d.cuDeviceTotalMem,
		"cuDevicePrimaryCtxRetain": &d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRelease_v2": &d.cuDevicePrimaryCtxRelease,
		"cuCtxSetCurrent": &d.cuCtxSetCurrent, "cuCtxSynchronize": &d.cuCtxSynchronize,
		"cuModuleLoadDataEx": &d.cuModuleLoadDataEx, "cuModuleGetFunction": &d.cuModuleGetFunction, "cuModuleUnload": &d.cuModuleUnload,
		"cuMemGetInfo_v2": &d.cuMemGetInfo, "cuMemAlloc_v2": &d.cuMemAlloc, "cuMemFree_v2": &d.cuMemFree,
		"cuMemcpyHtoD_v2": &d.cuMemcpyHtoD, "cuMemcpyDtoH_v2": &d.cuMemcpyDtoH, "cuMemsetD8_v2": &d.cuMemsetD8,
		"cuLaunchKernel": &d.cuLaunchKernel, "cuFuncSetAttribute": &d.cuFuncSetAttribute, "cuGetErrorName": &d.cuGetErrorName, "cuGetErrorString": &d.cuGetErrorString,
	}
}

// library is the driver's soname; the unversioned libcuda.so is a toolkit stub.
const library = "libcuda.so.1"

var (
	loadOnce sync.Once
	loaded   *driver
	loadErr  error
)

// load opens the driver and initialises it once per process.
func load() (*driver, error) {
	loadOnce.Do(func() { loaded, loadErr = loadLibrary(library) })
	return loaded, loadErr
}

// loadLibrary opens a CUDA driver library and initialises it.
func loadLibrary(path string) (*driver, error) {
	handle, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDriver, err) //nolint:errorlint // the dlopen message is detail
	}
	d := &driver{}
	for name, fn := range d.symbols() {
		if _, err := purego.Dlsym(handle, name); err != nil { // RegisterLibFunc panics on a missing symbol
			return nil, fmt.Errorf("the NVIDIA driver is too old: %s has no %s (update the driver)", path, name)
		}
		purego.RegisterLibFunc(fn, handle, name)
	}
	switch r := d.cuInit(0); r {
	case success:
		return d, nil
	case errNoDevice:
		return nil, ErrNoDevice
	case errStubLibrary, errSystemDriverMatch:
		return nil, fmt.Errorf("%w: %s", ErrNoDriver, d.describe(r))
	default:
		return nil, fmt.Errorf("cuInit: %s", d.describe(r))
	}
}

// describe names a CUresult with the driver's own words.
func (d *driver) describe(r result) string {
	var name, text *byte
	d.cuGetErrorName(r, &name)
	d.cuGetErrorString(r, &text)
	return fmt.Sprintf("%s (%d): %s", cString(name), r, cString(text))
}

// check turns a CUresult into an error naming the call, with advice for the errors a
// provider can act on.
func (d *driver) check(call string, r result) error {
	if r == success {
		return nil
	}
	msg := fmt.Sprintf("%s: %s", call, d.describe(r))
	switch r {
	case errOutOfMemory:
		msg += "; free GPU memory (other processes: nvidia-smi) or use a card with the class's memory"
	case errUnsupportedPTX, errNoBinaryForGPU:
		msg += "; the driver is too old for the kernels (CUDA 11.8 PTX): update the NVIDIA driver"
	case errJITNotFound:
		msg += "; install the driver's PTX JIT compiler (libnvidia-ptxjitcompiler)"
	}
	return errors.New(msg)
}

// cString reads a NUL-terminated C string the driver owns.
func cString(p *byte) string {
	if p == nil {
		return "?"
	}
	var b []byte
	for ptr := unsafe.Pointer(p); *(*byte)(ptr) != 0; ptr = unsafe.Add(ptr, 1) {
		b = append(b, *(*byte)(ptr))
	}
	return string(b)
}
