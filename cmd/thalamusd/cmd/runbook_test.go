package cmd_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/cmd/thalamusd/cmd"
)

// TestRunbookCommandsExist reads every thalamusd command in docs/validators.md's shell blocks
// and requires that it names a real command and only flags that command has, so the runbook
// breaks a test, not a validator, when the CLI changes. (The testnet, upgrade and state-sync
// tests run the same commands; this catches a runbook that drifted from them.)
func TestRunbookCommandsExist(t *testing.T) {
	bz, err := os.ReadFile("../../../docs/validators.md")
	require.NoError(t, err)
	lines := runbookCommands(string(bz), "thalamusd ")
	require.GreaterOrEqual(t, len(lines), 15, "the runbook's thalamusd commands")
	for _, line := range lines {
		args := shellWords(line)[1:]
		root := cmd.NewRootCmd()
		c, rest, err := root.Find(args)
		require.NoError(t, err, line)
		require.NotEqual(t, root, c, "%s: no such command", line)
		if c.HasSubCommands() {
			for _, a := range rest {
				require.True(t, strings.HasPrefix(a, "-"), "%s: %q is not a subcommand of %q", line, a, c.CommandPath())
			}
		}
		for _, a := range rest {
			if name, ok := strings.CutPrefix(a, "--"); ok {
				name, _, _ = strings.Cut(name, "=")
				// svrcmd.Execute gives every command --home (main.go); the root made here lacks it.
				known := name == "home" || c.Flags().Lookup(name) != nil || c.InheritedFlags().Lookup(name) != nil
				require.True(t, known, "%s: %q has no flag --%s", line, c.CommandPath(), name)
			}
		}
	}
}

var trailingComment = regexp.MustCompile(`\s+#\s.*$`)

// runbookCommands returns the lines of the markdown's sh blocks that start with prefix, with
// continuation lines joined and trailing comments cut.
func runbookCommands(markdown, prefix string) []string {
	var out []string
	inBlock := false
	var cur string
	for _, line := range strings.Split(markdown, "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			inBlock = true
			continue
		case strings.HasPrefix(line, "```"):
			inBlock = false
			continue
		case !inBlock:
			continue
		}
		cur += strings.TrimSpace(line)
		if strings.HasSuffix(cur, `\`) {
			cur = strings.TrimSuffix(cur, `\`) + " "
			continue
		}
		if strings.HasPrefix(cur, prefix) {
			out = append(out, trailingComment.ReplaceAllString(cur, ""))
		}
		cur = ""
	}
	return out
}

// shellWords splits a command line on spaces outside single and double quotes.
func shellWords(line string) []string {
	var words []string
	var word strings.Builder
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote = r
		case r == ' ':
			if word.Len() > 0 {
				words = append(words, word.String())
				word.Reset()
			}
		default:
			word.WriteRune(r)
		}
	}
	if word.Len() > 0 {
		words = append(words, word.String())
	}
	return words
}
