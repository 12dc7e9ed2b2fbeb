// Command committeeodds prints the security table of x/oracle's committees (the README's
// "Committees: the security argument"): for committee sizes 8-64 and an adversary holding a
// third of the stake, the chance that it holds every seat of a committee (what passing
// fraud or a wrong score takes, since any dissent escalates), that chance multiplied by a
// grinding proposer's tries (a union bound), the chance that it holds at least one seat (what withholding
// needs to force an escalation), and, for comparison, the chance that it holds 2/3 of the
// seats (what plain 2/3 voting inside a committee would let it capture). Exact rational
// arithmetic; equal-stake values are hypergeometric, the distribution-free bound is (1/3)^k.
//
//	go run ./scripts/committeeodds [-validators 150] [-grind 20]
package main

import (
	"flag"
	"fmt"
	"math/big"
)

func main() {
	n := flag.Int("validators", 150, "validators of equal stake, a third of them adversarial")
	grind := flag.Int("grind", 20, "log2 of the committees a grinding proposer can try for one task")
	flag.Parse()
	bad := *n / 3
	fmt.Printf("Adversary: %d of %d equal-stake validators (hypergeometric), or 1/3 of any stake distribution (bound). Grinding: 2^%d tries.\n\n", bad, *n, *grind)
	fmt.Printf("| k | every seat, any stake: <= (1/3)^k | every seat, %d equal stakes | with 2^%d grinding tries: <= 2^%d (1/3)^k | >= 1 seat (withholding escalates) | >= 2/3 of seats (plain 2/3 voting) |\n", *n, *grind, *grind)
	fmt.Println("|---|---|---|---|---|---|")
	tries := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(*grind)))
	for _, k := range []int{8, 16, 24, 32, 40, 48, 64} {
		bound := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(3), big.NewInt(int64(k)), nil))
		all := hypergeometricAtLeast(*n, bad, k, k)
		ground := new(big.Rat).Mul(bound, tries)
		if ground.Cmp(big.NewRat(1, 1)) > 0 {
			ground.SetInt64(1)
		}
		one := hypergeometricAtLeast(*n, bad, k, 1)
		twoThirds := hypergeometricAtLeast(*n, bad, k, (2*k+2)/3)
		fmt.Printf("| %d | %s | %s | %s | %s | %s |\n", k, sci(bound), sci(all), sci(ground), sci(one), sci(twoThirds))
	}
}

// hypergeometricAtLeast is P[X >= t] for X the adversarial seats when k of n validators, bad
// of them adversarial, are drawn without replacement.
func hypergeometricAtLeast(n, bad, k, t int) *big.Rat {
	sum := new(big.Int)
	for i := t; i <= k && i <= bad; i++ {
		term := new(big.Int).Mul(binomial(bad, i), binomial(n-bad, k-i))
		sum.Add(sum, term)
	}
	return new(big.Rat).SetFrac(sum, binomial(n, k))
}

func binomial(n, k int) *big.Int {
	if k < 0 || k > n {
		return new(big.Int)
	}
	return new(big.Int).Binomial(int64(n), int64(k))
}

// sci formats a probability as 1.2e-09 (exact rationals rounded for reading).
func sci(r *big.Rat) string {
	if r.Sign() == 0 {
		return "0"
	}
	if r.Cmp(big.NewRat(1, 1)) == 0 {
		return "1"
	}
	f, _ := new(big.Float).SetPrec(64).SetRat(r).Float64()
	if f > 0.01 {
		return fmt.Sprintf("%.3f", f)
	}
	return fmt.Sprintf("%.1e", f)
}
