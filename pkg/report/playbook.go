package report

import "github.com/org/deploy-guard/pkg/result"

// Playbook is the on-call guidance for one failure category.
type Playbook struct {
	Category result.Category
	// Title names the category for people.
	Title string
	// Meaning says what the category means.
	Meaning string
	// Steps are concrete next steps, most useful first.
	Steps []string
	// Commands reproduce or investigate locally. Placeholders: {org} (target
	// org alias), {job} (deploy id), {tests} (comma-separated failed tests),
	// {manifest} (manifest or source to deploy).
	Commands []string
	// Fix is the one-line fix used in annotations when the classifier gave none.
	Fix string
}

// Playbooks lists the guidance per category, in category priority order.
var Playbooks = []Playbook{
	{
		Category: result.CategoryConfig, Title: "Configuration error",
		Meaning: "An input of the action, the sfdx project or the workflow is invalid, so nothing was deployed.",
		Steps: []string{
			"Read the message above: it names the input or file and what is wrong with it.",
			"Compare the step's `with:` block against the inputs documented in action.yml.",
			"Check that sfdx-project.json exists in the project directory and that its packageDirectories exist.",
		},
		Commands: []string{"sf project deploy validate --source-dir force-app --target-org {org} --dry-run"},
		Fix:      "Correct the action input or project file named in the message and re-run the workflow.",
	},
	{
		Category: result.CategoryAuth, Title: "Authentication failed",
		Meaning: "The CLI could not log in to the target org: the auth URL or JWT settings are wrong, the refresh token expired or was revoked, or the user is locked out.",
		Steps: []string{
			"Log in locally to the same org with `sf org login web --alias {org}` and check that the user can still log in.",
			"Print a fresh auth URL with the command below and store the `Sfdx Auth Url` value in the repository secret used by the workflow.",
			"For JWT: check the connected app's consumer key, the certificate and that the user is pre-authorized for the app.",
		},
		Commands: []string{"sf org display --target-org {org} --verbose --json"},
		Fix:      "Refresh the SFDX auth URL secret (`sf org display --verbose` prints a new one) or fix the JWT connected app settings.",
	},
	{
		Category: result.CategoryDependency, Title: "Missing dependency",
		Meaning: "A component refers to something that is neither in the org nor in this deployment (a field, object, class, layout or permission).",
		Steps: []string{
			"Add the missing component to the deployment (source directory or manifest), or deploy it first.",
			"If the component was deleted on purpose, remove the references to it in the same change.",
			"Validate again with the command below before merging.",
		},
		Commands: []string{"sf project deploy validate --manifest {manifest} --target-org {org} --test-level RunLocalTests"},
		Fix:      "Deploy the missing component together with the one that references it, or remove the reference.",
	},
	{
		Category: result.CategoryMetadata, Title: "Component errors",
		Meaning: "The org rejected one or more components: Apex compile errors, invalid XML or values that the org does not accept.",
		Steps: []string{
			"Open the files listed above at the given lines and fix the problems.",
			"Compile against the org without deploying with the command below.",
		},
		Commands: []string{"sf project deploy validate --manifest {manifest} --target-org {org} --test-level NoTestRun"},
		Fix:      "Fix the component at the reported line and validate again.",
	},
	{
		Category: result.CategoryLimits, Title: "Org limit reached",
		Meaning: "The org refused the request because a limit was hit: API requests, concurrent deployments, storage or governor limits during tests.",
		Steps: []string{
			"Check the org's limits with the command below; API limits reset over a rolling 24 hours.",
			"Wait for other deployments to the same org to finish (use a workflow `concurrency` group).",
			"For governor limits in tests, reduce the data or the queries in the failing test.",
		},
		Commands: []string{"sf org list limits --target-org {org}"},
		Fix:      "Wait for the limit to reset or for concurrent deployments to finish, then re-run.",
	},
	{
		Category: result.CategoryTest, Title: "Apex test failures",
		Meaning: "Apex tests failed during the deployment, so the org rolled the deployment back.",
		Steps: []string{
			"Run the failed tests locally against the same org with the command below.",
			"Read the assertion message and the stack trace of each failure above.",
			"If a test only fails in the deployment, look for data, ordering or timing dependencies (it may be flaky).",
		},
		Commands: []string{"sf apex run test --tests {tests} --target-org {org} --synchronous --result-format human"},
		Fix:      "Fix the failing test or the code it tests, then deploy again.",
	},
	{
		Category: result.CategoryCoverage, Title: "Code coverage too low",
		Meaning: "The tests ran, but they cover less of the Apex code than required (75% org-wide and per class for deployments to production).",
		Steps: []string{
			"Write tests for the uncovered lines listed in the coverage table; the test-skeletons artifact has a starting point per class.",
			"Measure the coverage locally with the command below.",
		},
		Commands: []string{"sf apex run test --code-coverage --result-format human --target-org {org} --wait 30"},
		Fix:      "Add tests that run the uncovered lines, then deploy again.",
	},
	{
		Category: result.CategoryTimeout, Title: "Timed out",
		Meaning: "The deployment did not finish within the wait time. It may still be running in the org, or have finished after the action stopped waiting.",
		Steps: []string{
			"Check the deployment's status with the command below before starting another one.",
			"Resume waiting for it with `sf project deploy resume --job-id {job}`.",
			"Increase the wait time if deployments to this org are regularly slow.",
		},
		Commands: []string{"sf project deploy report --job-id {job} --target-org {org}"},
		Fix:      "Check the deployment with `sf project deploy report --job-id <id>` and raise the wait time if it is regularly slow.",
	},
	{
		Category: result.CategoryTransient, Title: "Transient platform error",
		Meaning: "Salesforce returned an error that usually goes away on its own: row locks, maintenance, service unavailable, network resets.",
		Steps: []string{
			"Check https://status.salesforce.com for the org's instance.",
			"Re-run the workflow; if it keeps failing, look for other jobs locking the same records.",
		},
		Commands: []string{"sf project deploy report --job-id {job} --target-org {org}"},
		Fix:      "Check status.salesforce.com and re-run the workflow.",
	},
	{
		Category: result.CategoryUnknown, Title: "Unrecognized failure",
		Meaning: "deploy-guard did not recognize this failure. The raw error is above and in the artifacts.",
		Steps: []string{
			"Read the raw error in the step log and the artifacts.",
			"Reproduce with the command below and debug output (`SF_LOG_LEVEL=debug`).",
			"If the error is common, add a pattern for it to the error catalog.",
		},
		Commands: []string{"sf project deploy validate --manifest {manifest} --target-org {org} --verbose"},
		Fix:      "Read the raw error in the step log; add a pattern to the error catalog if it recurs.",
	},
}

func playbookFor(c result.Category) (Playbook, bool) {
	for _, p := range Playbooks {
		if p.Category == c {
			return p, true
		}
	}
	return Playbook{}, false
}
