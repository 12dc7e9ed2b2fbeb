// Command thalamusd is the Thalamus node: the CometBFT consensus engine and the Thalamus app.
package main

import (
	"fmt"
	"os"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/thalamus-network/thalamus/app"
	"github.com/thalamus-network/thalamus/cmd/thalamusd/cmd"
)

func main() {
	if err := svrcmd.Execute(cmd.NewRootCmd(), "THALAMUSD", app.DefaultNodeHome); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
