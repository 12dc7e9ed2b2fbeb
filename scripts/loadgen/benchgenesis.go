package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/thalamus-network/thalamus/app"
	"github.com/thalamus-network/thalamus/internal/benchgenesis"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
)

// createLeaseProviders is how many keyless providers serve the create-lease floods.
const createLeaseProviders = 200

// writeBenchGenesis adds to the genesis file at path what the create-lease and submit-work
// floods of rounds 1..rounds need (devnet testnet --genesis-hook): createLeaseProviders
// providers whose offers hold a GPU of class for every lease those floods create, and each
// submit-work flood account as a provider with one GPU and one open challenge per transaction.
func writeBenchGenesis(path, class string, fc floodConfig, rounds int) error {
	bz, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var genesis map[string]json.RawMessage
	if err := json.Unmarshal(bz, &genesis); err != nil {
		return err
	}
	var appState map[string]json.RawMessage
	if err := json.Unmarshal(genesis["app_state"], &appState); err != nil {
		return err
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	var compute computetypes.GenesisState
	if err := cdc.UnmarshalJSON(appState[computetypes.ModuleName], &compute); err != nil {
		return fmt.Errorf("x/compute genesis: %w", err)
	}
	if !slices.Contains(compute.Params.GpuClasses, class) {
		return fmt.Errorf("class %q is not in the genesis catalogue %v", class, compute.Params.GpuClasses)
	}
	leases := rounds * fc.accounts * fc.txs
	perProvider := (leases + createLeaseProviders - 1) / createLeaseProviders
	if perProvider > int(compute.Params.MaxGpusPerProvider) {
		return fmt.Errorf("%d leases need %d GPUs per provider, above max_gpus_per_provider %d", leases, perProvider, compute.Params.MaxGpusPerProvider)
	}
	keyless := make([]string, createLeaseProviders)
	for p := range keyless {
		keyless[p] = benchgenesis.KeylessProvider(p)
	}
	held := benchgenesis.Providers(&compute, app.BondDenom, class, keyless, perProvider, false)
	for round := 1; round <= rounds; round++ {
		signers := make([]string, fc.accounts)
		for i := range signers {
			signers[i] = sdk.AccAddress(floodKey("submit-work", round, i).PubKey().Address()).String()
		}
		held = held.Add(benchgenesis.Providers(&compute, app.BondDenom, class, signers, fc.txs, true)...)
	}
	if appState[computetypes.ModuleName], err = cdc.MarshalJSON(&compute); err != nil {
		return err
	}

	var bank banktypes.GenesisState
	if err := cdc.UnmarshalJSON(appState[banktypes.ModuleName], &bank); err != nil {
		return fmt.Errorf("x/bank genesis: %w", err)
	}
	module := authtypes.NewModuleAddress(computetypes.ModuleName).String()
	if i := slices.IndexFunc(bank.Balances, func(b banktypes.Balance) bool { return b.Address == module }); i >= 0 {
		bank.Balances[i].Coins = bank.Balances[i].Coins.Add(held...)
	} else {
		bank.Balances = append(bank.Balances, banktypes.Balance{Address: module, Coins: held})
	}
	bank.Balances = banktypes.SanitizeGenesisBalances(bank.Balances)
	bank.Supply = bank.Supply.Add(held...)
	if appState[banktypes.ModuleName], err = cdc.MarshalJSON(&bank); err != nil {
		return err
	}
	if genesis["app_state"], err = json.Marshal(appState); err != nil {
		return err
	}
	out, err := json.Marshal(genesis)
	if err != nil {
		return err
	}
	fmt.Printf("bench genesis: %d create-lease GPUs (%d providers x %d), %d submit-work challenges (%d providers x %d)\n",
		perProvider*createLeaseProviders, createLeaseProviders, perProvider, rounds*fc.accounts*fc.txs, rounds*fc.accounts, fc.txs)
	return os.WriteFile(path, out, 0o600)
}
