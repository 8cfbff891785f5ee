package orgsim

import "sort"

// Deployment is what the org recorded of one deployment job, for tests to
// assert what reached the org: the options, the components and deletions.
type Deployment struct {
	ID string
	// APIVersion is the version of the Metadata API path the deploy call
	// used ("62.0").
	APIVersion                                              string
	CheckOnly, IgnoreWarnings, PurgeOnDelete, SinglePackage bool
	TestLevel                                               string
	// Components are the deployed components, "Type:FullName", sorted.
	Components []string
	// PreDestructive and PostDestructive are the components the job was
	// asked to delete; Deleted those it deleted (once it succeeded).
	PreDestructive, PostDestructive, Deleted []string
	// Status is the job's final status, empty while it runs.
	Status string
	// Canceled is set once the org was asked to cancel the job.
	Canceled bool
	// RollbackOnError is the deploy option (false with sf --ignore-errors).
	RollbackOnError bool
}

// Deployments lists the jobs the org created, in order.
func (s *Server) Deployments() []Deployment {
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Deployment
	for _, j := range o.jobs {
		d := Deployment{
			ID: j.ID, APIVersion: j.Options.APIVersion, CheckOnly: j.Options.CheckOnly, IgnoreWarnings: j.Options.IgnoreWarnings,
			PurgeOnDelete: j.Options.PurgeOnDelete, SinglePackage: j.Options.SinglePackage, TestLevel: j.Options.TestLevel,
			Components: keys(j.Payload.Components), PreDestructive: keys(j.Payload.Pre), PostDestructive: keys(j.Payload.Post),
			Deleted: append([]string(nil), j.Deleted...), Canceled: j.Canceled,
			RollbackOnError: j.Options.RollbackOnError == nil || *j.Options.RollbackOnError,
		}
		if j.Result != nil {
			d.Status = j.Result.Status
		}
		out = append(out, d)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// HasComponent reports whether the org has a component ("Type:FullName"):
// one of the scenario's or a deployed one, not deleted since.
func (s *Server) HasComponent(c string) bool {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	return s.org.present[c]
}

func keys(cs []component) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Type+":"+c.FullName)
	}
	sort.Strings(out)
	return out
}
