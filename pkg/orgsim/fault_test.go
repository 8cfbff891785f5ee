package orgsim

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// An exception fault relays the scenario's message as the org would: in a
// SOAP fault, XML-escaped.
func TestExceptionFaultCarriesTheMessage(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Name: "t", Faults: []Fault{{Kind: "exception", Message: "boom <&> ##[stop-commands]zz"}}}
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	srv, err := Start(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	body := fmt.Sprintf(`<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><deploy xmlns="http://soap.sforce.com/2006/04/metadata"><ZipFile>%s</ZipFile></deploy></soapenv:Body></soapenv:Envelope>`, projectZip(t))
	resp, err := http.Post(srv.URL()+"/services/Soap/m/62.0", "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || !strings.Contains(string(b), "<faultcode>sf:UNKNOWN_EXCEPTION</faultcode><faultstring>UNKNOWN_EXCEPTION: boom &lt;&amp;&gt; ##[stop-commands]zz</faultstring>") {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}
