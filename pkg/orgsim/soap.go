package orgsim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// DeployResult is the Metadata API DeployResult, with the field names, types
// and nesting a real org returns (elements in the WSDL's order).
type DeployResult struct {
	CanceledBy               string         `xml:"canceledBy,omitempty"`
	CanceledByName           string         `xml:"canceledByName,omitempty"`
	CheckOnly                bool           `xml:"checkOnly"`
	CompletedDate            string         `xml:"completedDate,omitempty"`
	CreatedBy                string         `xml:"createdBy"`
	CreatedByName            string         `xml:"createdByName"`
	CreatedDate              string         `xml:"createdDate"`
	Details                  *DeployDetails `xml:"details"`
	Done                     bool           `xml:"done"`
	ErrorMessage             string         `xml:"errorMessage,omitempty"`
	ErrorStatusCode          string         `xml:"errorStatusCode,omitempty"`
	ID                       string         `xml:"id"`
	IgnoreWarnings           bool           `xml:"ignoreWarnings"`
	LastModifiedDate         string         `xml:"lastModifiedDate"`
	NumberComponentErrors    int            `xml:"numberComponentErrors"`
	NumberComponentsDeployed int            `xml:"numberComponentsDeployed"`
	NumberComponentsTotal    int            `xml:"numberComponentsTotal"`
	NumberFiles              int            `xml:"numberFiles"`
	NumberTestErrors         int            `xml:"numberTestErrors"`
	NumberTestsCompleted     int            `xml:"numberTestsCompleted"`
	NumberTestsTotal         int            `xml:"numberTestsTotal"`
	RollbackOnError          bool           `xml:"rollbackOnError"`
	RunTestsEnabled          bool           `xml:"runTestsEnabled"`
	StartDate                string         `xml:"startDate,omitempty"`
	StateDetail              string         `xml:"stateDetail,omitempty"`
	Status                   string         `xml:"status"`
	Success                  bool           `xml:"success"`
}

// DeployDetails is DeployResult.details.
type DeployDetails struct {
	ComponentFailures  []DeployMessage `xml:"componentFailures"`
	ComponentSuccesses []DeployMessage `xml:"componentSuccesses"`
	RunTestResult      *RunTestsResult `xml:"runTestResult"`
}

// DeployMessage is one component's outcome.
type DeployMessage struct {
	Changed       bool   `xml:"changed"`
	ColumnNumber  int    `xml:"columnNumber,omitempty"`
	ComponentType string `xml:"componentType"`
	Created       bool   `xml:"created"`
	CreatedDate   string `xml:"createdDate"`
	Deleted       bool   `xml:"deleted"`
	FileName      string `xml:"fileName"`
	FullName      string `xml:"fullName"`
	ID            string `xml:"id,omitempty"`
	LineNumber    int    `xml:"lineNumber,omitempty"`
	Problem       string `xml:"problem,omitempty"`
	ProblemType   string `xml:"problemType,omitempty"`
	Success       bool   `xml:"success"`
}

// RunTestsResult is details.runTestResult.
type RunTestsResult struct {
	CodeCoverage         []CodeCoverageResult  `xml:"codeCoverage"`
	CodeCoverageWarnings []CodeCoverageWarning `xml:"codeCoverageWarnings"`
	Failures             []RunTestFailure      `xml:"failures"`
	NumFailures          int                   `xml:"numFailures"`
	NumTestsRun          int                   `xml:"numTestsRun"`
	Successes            []RunTestSuccess      `xml:"successes"`
	TotalTime            float64               `xml:"totalTime"`
}

// CodeCoverageResult is the coverage of one class or trigger.
type CodeCoverageResult struct {
	ID                     string         `xml:"id"`
	LocationsNotCovered    []CodeLocation `xml:"locationsNotCovered"`
	Name                   string         `xml:"name"`
	Namespace              NilString      `xml:"namespace"`
	NumLocations           int            `xml:"numLocations"`
	NumLocationsNotCovered int            `xml:"numLocationsNotCovered"`
	Type                   string         `xml:"type"`
}

// CodeLocation is one uncovered line.
type CodeLocation struct {
	Column        int     `xml:"column"`
	Line          int     `xml:"line"`
	NumExecutions int     `xml:"numExecutions"`
	Time          float64 `xml:"time"`
}

// CodeCoverageWarning is a coverage warning (org-wide ones have a nil name).
type CodeCoverageWarning struct {
	ID        string    `xml:"id"`
	Message   string    `xml:"message"`
	Name      NilString `xml:"name"`
	Namespace NilString `xml:"namespace"`
}

// RunTestFailure is a failed test method.
type RunTestFailure struct {
	ID          string    `xml:"id"`
	Message     string    `xml:"message"`
	MethodName  string    `xml:"methodName"`
	Name        string    `xml:"name"`
	Namespace   NilString `xml:"namespace"`
	PackageName string    `xml:"packageName"`
	StackTrace  string    `xml:"stackTrace"`
	Time        float64   `xml:"time"`
	Type        string    `xml:"type"`
}

// RunTestSuccess is a passed test method.
type RunTestSuccess struct {
	ID         string    `xml:"id"`
	MethodName string    `xml:"methodName"`
	Name       string    `xml:"name"`
	Namespace  NilString `xml:"namespace"`
	// TestCategory is nil for Apex tests (newer API versions send it).
	TestCategory NilString `xml:"testCategory"`
	Time         float64   `xml:"time"`
}

// NilString is an element that may be xsi:nil, as namespaces usually are.
type NilString struct {
	Value string
	Nil   bool
}

func nilString() NilString     { return NilString{Nil: true} }
func nilOr(s string) NilString { return NilString{Value: s} }

// MarshalXML writes <x xsi:nil="true"/> for a nil value.
func (n NilString) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if n.Nil {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "xsi:nil"}, Value: "true"})
		return e.EncodeElement("", start)
	}
	return e.EncodeElement(n.Value, start)
}

// UnmarshalXML reads both forms.
func (n *NilString) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for _, a := range start.Attr {
		if a.Name.Local == "nil" && a.Value == "true" {
			n.Nil = true
		}
	}
	return d.DecodeElement(&n.Value, &start)
}

type deployRequest struct {
	ZipFile       string        `xml:"ZipFile"`
	DeployOptions deployOptions `xml:"DeployOptions"`
}

func (s *Server) soap(w http.ResponseWriter, r *http.Request, c *call) {
	body := drain(r)
	op := soapOperation(body)
	c.op = "soap:" + op
	if s.scenario.ExpiredSession && s.org.loggedIn() {
		soapFault(w, "sf:INVALID_SESSION_ID", "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session. Session not found, missing session hash: AQEAQ")
		return
	}
	switch op {
	case "deploy":
		var req deployRequest
		if err := decodeOp(body, "deploy", &req); err != nil {
			soapFault(w, "soapenv:Client", err.Error())
			return
		}
		s.keepUpload(req.ZipFile)
		req.DeployOptions.APIVersion = soapVersion(r.URL.Path)
		s.deployCall(w, c, func() (*job, error) {
			p, err := readPayload(req.ZipFile)
			if err != nil {
				return nil, err
			}
			return s.org.startDeploy(p, req.DeployOptions), nil
		})
	case "deployRecentValidation":
		var req struct {
			ValidationID string `xml:"validationId"`
		}
		if err := decodeOp(body, "deployRecentValidation", &req); err != nil {
			soapFault(w, "soapenv:Client", err.Error())
			return
		}
		c.deployID = req.ValidationID
		s.deployCall(w, c, func() (*job, error) { return s.org.quickDeploy(req.ValidationID) })
	case "checkDeployStatus":
		var req struct {
			ID string `xml:"asyncProcessId"`
		}
		_ = decodeOp(body, "checkDeployStatus", &req)
		c.deployID = req.ID
		res, ok := s.org.status(req.ID)
		if !ok {
			soapFault(w, "sf:INVALID_ID_FIELD", "INVALID_ID_FIELD: invalid record id: "+req.ID)
			return
		}
		if !res.Done {
			// An unfinished job has no details yet.
			cp := *res
			cp.Details = nil
			res = &cp
		}
		soapResponse(w, "checkDeployStatusResponse", res)
	case "cancelDeploy":
		// jsforce sends <cancelDeploy><id>0Af...</id></cancelDeploy>.
		var req struct {
			ID string `xml:"id"`
		}
		_ = decodeOp(body, "cancelDeploy", &req)
		c.deployID = req.ID
		if !s.org.cancel(req.ID) {
			soapFault(w, "sf:INVALID_ID_FIELD", "INVALID_ID_FIELD: invalid record id: "+req.ID)
			return
		}
		soapResponse(w, "cancelDeployResponse", &cancelResult{Done: false, ID: req.ID})
	default:
		soapFault(w, "sf:INVALID_OPERATION", "INVALID_OPERATION: the org emulator does not implement "+op)
	}
}

type cancelResult struct {
	XMLName xml.Name `xml:"result"`
	Done    bool     `xml:"done"`
	ID      string   `xml:"id"`
}

// deployCall applies the scenario's faults to a deploy call, then starts it.
func (s *Server) deployCall(w http.ResponseWriter, c *call, start func() (*job, error)) {
	_, f := s.org.nextCall()
	switch f.Kind {
	case "lock":
		soapFault(w, "sf:UNABLE_TO_LOCK_ROW", "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or 1 records")
		return
	case "exception":
		soapFault(w, "sf:UNKNOWN_EXCEPTION", "UNKNOWN_EXCEPTION: "+f.Message)
		return
	case "session":
		soapFault(w, "sf:INVALID_SESSION_ID", "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session")
		return
	case "unavailable":
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html><body><h1>503 Service Unavailable</h1>Salesforce is temporarily unavailable. Please try again.</body></html>")
		return
	case "reset":
		resetConnection(w, c)
		return
	}
	j, err := start()
	if err != nil {
		code := "sf:INVALID_ID_FIELD"
		if !strings.HasPrefix(err.Error(), "INVALID_ID_FIELD") {
			code = "soapenv:Client"
		}
		soapFault(w, code, err.Error())
		return
	}
	c.deployID = j.ID
	if f.Kind == "accepted-reset" {
		// The job runs; only the answer is lost.
		resetConnection(w, c)
		return
	}
	name := "deployResponse"
	if strings.HasSuffix(c.op, "deployRecentValidation") {
		// deployRecentValidation returns the new job id as a bare string.
		soapResponse(w, "deployRecentValidationResponse", &struct {
			XMLName xml.Name `xml:"result"`
			ID      string   `xml:",chardata"`
		}{ID: j.ID})
		return
	}
	soapResponse(w, name, &struct {
		XMLName xml.Name `xml:"result"`
		Done    bool     `xml:"done"`
		ID      string   `xml:"id"`
		State   string   `xml:"state"`
	}{ID: j.ID, State: "Queued"})
}

// soapVersion is the API version of a Metadata API path
// (/services/Soap/m/62.0 → "62.0").
func soapVersion(p string) string {
	_, v, _ := strings.Cut(p, "/Soap/m/")
	v, _, _ = strings.Cut(v, "/")
	return v
}

// resetConnection drops the client's connection with a TCP reset.
func resetConnection(w http.ResponseWriter, c *call) {
	c.status = 0
	if h, ok := w.(http.Hijacker); ok {
		if conn, _, err := h.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST, not FIN: ECONNRESET on the client
			}
			c.flush()
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// soapOperation names the first element inside the SOAP body.
func soapOperation(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			if inBody {
				return se.Name.Local
			}
			inBody = se.Name.Local == "Body"
		}
	}
}

// decodeOp decodes the operation element of a SOAP body into v.
func decodeOp(body []byte, op string, v any) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("no %s element in the SOAP body", op)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == op {
			return d.DecodeElement(v, &se)
		}
	}
}

const soapHead = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
const soapTail = `</soapenv:Body></soapenv:Envelope>`

// soapResponse writes <op><result>...</result></op>. A *DeployResult is
// wrapped in <result>; other values carry their own XMLName.
func soapResponse(w http.ResponseWriter, op string, v any) {
	var b bytes.Buffer
	b.WriteString(soapHead)
	b.WriteString("<" + op + ">")
	enc := xml.NewEncoder(&b)
	var err error
	if dr, ok := v.(*DeployResult); ok {
		err = enc.EncodeElement(dr, xml.StartElement{Name: xml.Name{Local: "result"}})
	} else {
		err = enc.Encode(v)
	}
	if err != nil {
		soapFault(w, "soapenv:Server", err.Error())
		return
	}
	b.WriteString("</" + op + ">")
	b.WriteString(soapTail)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

func soapFault(w http.ResponseWriter, code, msg string) {
	var b bytes.Buffer
	b.WriteString(soapHead)
	b.WriteString("<soapenv:Fault><faultcode>")
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString("</faultcode><faultstring>")
	_ = xml.EscapeText(&b, []byte(msg))
	b.WriteString("</faultstring></soapenv:Fault>")
	b.WriteString(soapTail)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(b.Bytes())
}
