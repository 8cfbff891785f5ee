package report

import (
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

func TestFingerprintStable(t *testing.T) {
	t.Parallel()
	a := Fingerprint("deploy.yml", result.CategoryMetadata, "ApexClass  Foo")
	if a != Fingerprint("deploy.yml", result.CategoryMetadata, "apexclass foo") || len(a) != 16 {
		t.Errorf("not stable: %q", a)
	}
	if a == Fingerprint("deploy.yml", result.CategoryTest, "ApexClass Foo") || a == Fingerprint("other.yml", result.CategoryMetadata, "ApexClass Foo") {
		t.Error("collision")
	}
}
