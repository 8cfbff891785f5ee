// Package classify turns Salesforce deployment errors into a category, a
// transient flag, a one-sentence explanation and a concrete fix.
//
// # Catalog format
//
// Classification is driven by an ordered catalog of patterns. The built-in
// catalog (catalog.yaml, embedded in the binary) and the user catalog given
// with the action's `error-catalog` input use the same format: a YAML or JSON
// document that is either a list of patterns or an object with a single
// `patterns` key holding that list.
//
//	patterns:
//	  - id: my-lock-error            # required, kebab-case, unique
//	    category: transient          # required: test, coverage, dependency, limits,
//	                                 # metadata, auth, transient, timeout, config, unknown
//	    transient: true              # optional: retrying the same deploy may succeed
//	    applies: [component, error]  # optional scopes: component, test, error, coverage
//	    match: 'UNABLE_TO_LOCK_ROW'  # required Go RE2 regular expression
//	    explanation: Another job held a lock on a record the deploy needed.
//	    fix: Retry in a few minutes.  # required
//	    examples:                    # optional, each must match `match`
//	      - 'UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record'
//
// Unknown keys are rejected. Expressions are case-insensitive: the loader
// prefixes them with (?i). `.` does not match a newline unless the expression
// starts with (?s). Patterns are tried in order and the first match wins;
// user patterns are tried before every built-in one, so a user entry can
// override the built-in classification of a message. Errors name the file,
// the 1-based entry number, its id and the field at fault, for example
//
//	error-catalog: .github/errors.yaml: pattern 3 ("my-id"): match: invalid regular expression: ...
//
// # Scopes and the text that is matched
//
//   - component: a componentFailures entry, matched on
//     "<problem>\n[type: <componentType>; name: <fullName>]". No match →
//     dependency when the problem names a missing thing (not found, does not
//     exist, no such, an invalid reference, not defined...), metadata
//     otherwise; never unknown. The explanation of every fallback says so.
//   - test: a failed Apex test, matched on "<message>\n<stackTrace>".
//     No match → test. A transient platform error inside a test is reported as
//     category test with Transient set (the fix is to re-run the test), except
//     governor limits (System.LimitException), which are limits. Built-in
//     entries of other categories (auth, config, timeout...) do not apply: a
//     failed test is a test failure whatever words its exception carries.
//   - coverage: a codeCoverageWarnings message. Only user patterns and the
//     built-in coverage entries apply: a coverage warning is a coverage
//     failure whatever its wording. No match → coverage.
//   - error: an sf error envelope, matched on "<name>: <message>", or the
//     errorStatusCode/errorMessage/stateDetail of a deploy that failed without
//     item details. No match → unknown.
//
// # Category order
//
// A deployment that fails for several reasons gets the single most important
// category (see Order, which is result.Categories):
//
//	config, auth, dependency, metadata, limits, test, coverage, timeout, transient, unknown
//
// The reasons for this order:
//
//   - config and auth come first: when the command line or the login is wrong
//     nothing else in the run can be trusted, and fixing them is a prerequisite
//     for everything else.
//   - dependency comes before metadata because a missing referenced component
//     often produces follow-on compile errors; deploying the dependency fixes
//     both.
//   - metadata (component) errors come before limits, test and coverage:
//     Apex tests do not run, or run against the wrong code, when components
//     fail to deploy.
//   - limits come before test because a governor-limit failure is a code
//     scalability problem that a plain test fix will not address.
//   - test comes before coverage because failing tests also lower coverage.
//   - timeout and transient come late: they say the run did not reach a
//     verdict, and are only reported when nothing more specific was found.
//   - unknown is last.
package classify
