package config

import (
	"strings"
	"testing"
)

// A number too large for a duration is an error naming the input, never a
// wrapped-around value (18446744084 seconds used to become 10.29s).
func TestParseDurationOverflow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ input, value string }{
		{InputRetryDelay, "18446744084"},
		{InputRetryDelay, "18446744084s"},
		{InputMaxRetryDelay, "18446744084"},
		{InputWait, "18446744084"},
		{InputBreakerCooldown, "1e300"},
		{InputRetryDelay, "9223372036854775807"},
		{InputRetryDelay, "-18446744084"},
		{InputTimeBudget, "18446744084"},
		{InputTimeBudget, "307445734561825"},
		{InputTimeBudget, "1e300"},
		{InputTimeBudget, "-1e300"},
	} {
		_, err := Parse(env(map[string]string{InputAuthURL: goodAuthURL, tc.input: tc.value}))
		if err == nil || !strings.Contains(err.Error(), `input "`+tc.input+`"`) {
			t.Errorf("%s: %s: got %v, want an error naming the input", tc.input, tc.value, err)
		}
	}
	c, err := Parse(env(map[string]string{InputAuthURL: goodAuthURL, InputRetryDelay: "3600s", InputMaxRetryDelay: "21600s", InputTimeBudget: "1440"}))
	if err != nil || c.RetryDelay.Hours() != 1 || c.TimeBudget.Hours() != 24 {
		t.Errorf("the largest values must still parse: %v %v", c, err)
	}
}
