package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: any input values give either a config or input errors that name
// a real input; never a panic, never an echoed auth URL.
func FuzzParse(f *testing.F) {
	f.Add("force://a:b:c@host", "3", "30s", "deploy", "RunLocalTests", "A,B", "60")
	f.Add("", "zero", "-1", "deplyo", "RunSpecifiedTests", "", "x")
	f.Add("force://x", "10", "5m", "quick", "", "A;B", "1440")
	f.Fuzz(func(t *testing.T, authURL, attempts, delay, mode, level, tests, wait string) {
		vals := map[string]string{
			EnvName(InputAuthURL): authURL, EnvName(InputMaxAttempts): attempts, EnvName(InputRetryDelay): delay,
			EnvName(InputMode): mode, EnvName(InputTestLevel): level, EnvName(InputTests): tests, EnvName(InputWait): wait,
		}
		c, err := Parse(func(k string) string { return vals[k] })
		if c == nil {
			t.Fatal("Parse returned no config")
		}
		if err == nil {
			if c.MaxAttempts < 1 || c.MaxAttempts > 10 || c.Wait <= 0 || c.TimeBudget <= 0 {
				t.Fatalf("accepted out-of-range values: %+v", c)
			}
			return
		}
		var ie *InputError
		if !errors.As(err, &ie) || ie.Input == "" {
			t.Fatalf("error %v does not name an input", err)
		}
		if len(strings.TrimSpace(authURL)) > 12 && strings.Contains(err.Error(), strings.TrimSpace(authURL)) {
			t.Fatalf("error echoes the auth URL: %v", err)
		}
	})
}
