//go:build tools

// Package tools records the cosmovisor command this module pins.
package tools

import _ "cosmossdk.io/tools/cosmovisor/cmd/cosmovisor"
