package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	colmetric "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// receiver is a minimal OTLP/HTTP metrics endpoint on loopback.
type receiver struct {
	mu       sync.Mutex
	requests []*colmetric.ExportMetricsServiceRequest
	status   int
	delay    time.Duration
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/metrics" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	req := &colmetric.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(body, req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if rv.delay > 0 {
		select {
		case <-time.After(rv.delay):
		case <-r.Context().Done():
			return
		}
	}
	rv.mu.Lock()
	rv.requests = append(rv.requests, req)
	rv.mu.Unlock()
	if rv.status != 0 {
		w.WriteHeader(rv.status)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&colmetric.ExportMetricsServiceResponse{})
	w.Write(out)
}

func metricsByName(req *colmetric.ExportMetricsServiceRequest) map[string]*metricpb.Metric {
	out := map[string]*metricpb.Metric{}
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				out[m.Name] = m
			}
		}
	}
	return out
}

func TestPushArrives(t *testing.T) {
	t.Parallel()
	rv := &receiver{}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	cfr, mttr, freq := 0.25, 90*time.Minute, 1.5
	err := Push(context.Background(), srv.URL, Figures{
		Status: "failed", Category: "test", Attempts: 2, Duration: 95 * time.Second,
		ChangeFailureRate: &cfr, MeanTimeToRestore: &mttr, DeploymentsPerDay: &freq,
	}, map[string]string{"repository": "acme/crm", "branch": "main"}, srv.Client(), 2*time.Second)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if len(rv.requests) != 1 {
		t.Fatalf("collector got %d requests", len(rv.requests))
	}
	got := metricsByName(rv.requests[0])
	gauge := func(name string) float64 {
		m := got[name]
		if m == nil || m.GetGauge() == nil || len(m.GetGauge().DataPoints) != 1 {
			t.Fatalf("metric %s missing or not a gauge: %v", name, m)
		}
		dp := m.GetGauge().DataPoints[0]
		if v, ok := dp.Value.(*metricpb.NumberDataPoint_AsInt); ok {
			return float64(v.AsInt)
		}
		return dp.GetAsDouble()
	}
	for name, want := range map[string]float64{
		MetricChangeFailureRate: 0.25, MetricMTTR: 5400, MetricFrequency: 1.5, MetricAttempts: 2, MetricDuration: 95,
	} {
		if v := gauge(name); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
	runs := got[MetricRuns].GetSum()
	if runs == nil || len(runs.DataPoints) != 1 || runs.DataPoints[0].GetAsInt() != 1 {
		t.Fatalf("runs counter = %v", got[MetricRuns])
	}
	attrs := map[string]string{}
	for _, kv := range runs.DataPoints[0].Attributes {
		attrs[kv.Key] = kv.Value.GetStringValue()
	}
	if attrs["status"] != "failed" || attrs["failure_category"] != "test" || attrs["repository"] != "acme/crm" {
		t.Errorf("run attributes = %v", attrs)
	}
	var service string
	for _, kv := range rv.requests[0].ResourceMetrics[0].Resource.Attributes {
		if kv.Key == "service.name" {
			service = kv.Value.GetStringValue()
		}
	}
	if service != "deploy-guard" {
		t.Errorf("service.name = %q", service)
	}
}

func TestPushWithoutHistorySendsRunMetricsOnly(t *testing.T) {
	t.Parallel()
	rv := &receiver{}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	if err := Push(context.Background(), srv.URL+"/", Figures{Status: "succeeded", Category: "none", Attempts: 1}, nil, srv.Client(), time.Second); err != nil {
		t.Fatal(err)
	}
	got := metricsByName(rv.requests[0])
	if _, ok := got[MetricChangeFailureRate]; ok {
		t.Error("history metric sent without history")
	}
	if _, ok := got[MetricRuns]; !ok {
		t.Error("runs counter missing")
	}
}

func TestPushFailuresAreBoundedErrors(t *testing.T) {
	t.Parallel()
	slow := &receiver{delay: 5 * time.Second}
	srvSlow := httptest.NewServer(slow)
	defer srvSlow.Close()
	broken := &receiver{status: http.StatusServiceUnavailable}
	srvBroken := httptest.NewServer(broken)
	defer srvBroken.Close()
	cases := map[string]string{
		"slow collector": srvSlow.URL,
		"5xx":            srvBroken.URL,
		"nothing there":  "http://127.0.0.1:1",
	}
	for name, url := range cases {
		t.Run(name, func(t *testing.T) {
			err := Push(context.Background(), url, Figures{Status: "failed"}, nil, nil, 300*time.Millisecond)
			if err == nil {
				t.Fatal("Push succeeded")
			}
			if strings.Contains(err.Error(), "panic") {
				t.Fatal(err)
			}
		})
	}
	if len(broken.requests) != 1 {
		t.Errorf("a 503 was retried %d times; pushes get one bounded try", len(broken.requests)-1)
	}
}
