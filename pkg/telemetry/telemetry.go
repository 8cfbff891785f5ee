// Package telemetry pushes deploy-guard's deployment metrics to an
// OpenTelemetry collector over OTLP/HTTP with the official Go SDK.
//
// It is a side channel: every call is bounded by a short timeout and
// returns an error for the caller to warn about; it never retries for long
// and never fails a deployment.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/org/deploy-guard/pkg/sidechannel"
)

// DefaultTimeout bounds one push.
const DefaultTimeout = 5 * time.Second

// Figures are the numbers pushed for one run.
type Figures struct {
	// Status and Category of this run (attributes of the run metrics).
	Status, Category string
	Attempts         int
	Duration         time.Duration
	// History figures; nil when the workflow's history was not available.
	ChangeFailureRate *float64
	MeanTimeToRestore *time.Duration
	DeploymentsPerDay *float64
}

// Metric names, under the deploy_guard namespace.
const (
	MetricRuns              = "deploy_guard.runs"
	MetricAttempts          = "deploy_guard.run.attempts"
	MetricDuration          = "deploy_guard.run.duration"
	MetricChangeFailureRate = "deploy_guard.change_failure_rate"
	MetricMTTR              = "deploy_guard.mean_time_to_restore"
	MetricFrequency         = "deploy_guard.deployment_frequency"
)

// Push sends f to the collector at endpoint (its base URL, e.g.
// http://otel-collector:4318; /v1/metrics is appended). attrs identify the
// run (repository, workflow, branch).
func Push(ctx context.Context, endpoint string, f Figures, attrs map[string]string, hc *http.Client, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	opts := []otlpmetrichttp.Option{
		otlpmetrichttp.WithEndpointURL(strings.TrimSuffix(endpoint, "/") + "/v1/metrics"),
		otlpmetrichttp.WithTimeout(timeout),
		// One bounded try: the deploy does not wait on a collector.
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: false}),
	}
	if hc != nil {
		opts = append(opts, otlpmetrichttp.WithHTTPClient(hc))
	}
	exp, err := otlpmetrichttp.New(ctx, opts...)
	if err != nil {
		return fmt.Errorf("otlp exporter: %w", err)
	}
	defer exp.Shutdown(context.Background())

	reader := sdkmetric.NewManualReader()
	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("deploy-guard"))
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
	defer provider.Shutdown(context.Background())
	if err := record(ctx, provider, f, attrs); err != nil {
		return err
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		return fmt.Errorf("collecting metrics: %w", err)
	}
	if err := exp.Export(ctx, &rm); err != nil {
		// A transport fault is named without the endpoint, which may carry
		// a credential in its query.
		var ue *url.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ue) {
			return fmt.Errorf("otlp push to the collector: %s", sidechannel.Describe(err, timeout))
		}
		return fmt.Errorf("otlp push: %w", err)
	}
	return nil
}

func record(ctx context.Context, provider *sdkmetric.MeterProvider, f Figures, attrs map[string]string) error {
	m := provider.Meter("github.com/org/deploy-guard")
	var kv []attribute.KeyValue
	for k, v := range attrs {
		if v != "" {
			kv = append(kv, attribute.String(k, v))
		}
	}
	base := attributeSet(kv)
	run := attributeSet(append(kv, attribute.String("status", f.Status), attribute.String("failure_category", f.Category)))

	runs, err := m.Int64Counter(MetricRuns, metricOpt("Deployment runs, by status and failure category", "{run}")...)
	if err != nil {
		return err
	}
	runs.Add(ctx, 1, run)
	attempts, err := m.Int64Gauge(MetricAttempts, gaugeOpt("Deployment attempts of the run", "{attempt}")...)
	if err != nil {
		return err
	}
	attempts.Record(ctx, int64(f.Attempts), run)
	dur, err := m.Float64Gauge(MetricDuration, floatOpt("Wall time of the run", "s")...)
	if err != nil {
		return err
	}
	dur.Record(ctx, f.Duration.Seconds(), run)
	if f.ChangeFailureRate != nil {
		g, err := m.Float64Gauge(MetricChangeFailureRate, floatOpt("Failed deployments / all deployments over the recent runs", "1")...)
		if err != nil {
			return err
		}
		g.Record(ctx, *f.ChangeFailureRate, base)
	}
	if f.MeanTimeToRestore != nil {
		g, err := m.Float64Gauge(MetricMTTR, floatOpt("Mean time from a first failure to the next success", "s")...)
		if err != nil {
			return err
		}
		g.Record(ctx, f.MeanTimeToRestore.Seconds(), base)
	}
	if f.DeploymentsPerDay != nil {
		g, err := m.Float64Gauge(MetricFrequency, floatOpt("Successful deployments per day over the recent runs", "{deployment}/d")...)
		if err != nil {
			return err
		}
		g.Record(ctx, *f.DeploymentsPerDay, base)
	}
	return nil
}

func attributeSet(kv []attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(kv...))
}

func metricOpt(desc, unit string) []metric.Int64CounterOption {
	return []metric.Int64CounterOption{metric.WithDescription(desc), metric.WithUnit(unit)}
}

func gaugeOpt(desc, unit string) []metric.Int64GaugeOption {
	return []metric.Int64GaugeOption{metric.WithDescription(desc), metric.WithUnit(unit)}
}

func floatOpt(desc, unit string) []metric.Float64GaugeOption {
	return []metric.Float64GaugeOption{metric.WithDescription(desc), metric.WithUnit(unit)}
}
