// Browser checks of ecoute in headless Chromium: each space's home page, branding, the
// unknown-host 404 page, the language switch, the citizen journey on a local space (sign-in by
// e-mailed link, survey, idea, support, comments, account), the operators' consoles, and an
// axe-core audit (WCAG 2.1 A/AA) of each page.
//
//   node run.mjs                    (or: bash run.sh, which also installs and builds)
//
// Environment:
//   ECOUTE_BIN      the ecoute binary to start; unset: `cargo run --quiet --bin ecoute --`
//                   (CARGO_TARGET_DIR is honoured by cargo itself)
//   CHROMIUM_PATH   default /usr/bin/chromium (the Debian package)
//   STARTUP_TIMEOUT seconds to wait for /healthz (default 300: `cargo run` may compile first)
//   ONLY            run only the checks whose name contains this text, or one of several
//                   separated by | (the journey's checks
//                   depend on each other: use ONLY=journey for all of them)
//   DATABASE_URL    use that server; else ECOUTE_DATA_DIR; else an embedded cluster of its own
//                   in tests/browser/.ecoute/ (see startServer in harness.mjs for why not the
//                   repository's)
//
// The server is started with `demo --listen 127.0.0.1:<free port>` from the repository root and
// stopped with SIGTERM at the end, whatever happens. Screenshots and the server log go to
// tests/browser/screenshots/ (git-ignored); the server's output is also kept in memory, where
// the checks read the sign-in links that the demo logs instead of sending. Two test-only OpenID
// providers (providers.mjs) are started first, FranceConnect-like and ProConnect-like.
//
// harness.mjs holds the server, Chromium, the registry and the shared helpers; each file of
// checks/ registers its checks with `test(…)` when imported. They run in the order below.

import { run } from './harness.mjs';
import './checks/spaces.mjs';
import './checks/journey.mjs';
import './checks/journey_together.mjs';
import './checks/console.mjs';
import './checks/console_journey.mjs';
import './checks/campaign_drafts.mjs';
import './checks/contributions.mjs';
import './checks/team.mjs';
import './checks/quotas.mjs';
import './checks/citizen_own.mjs';
import './checks/discussion.mjs';
import './checks/invitations.mjs';
import './checks/workshops.mjs';
import './checks/workshops_import.mjs';
import './checks/rules.mjs';
import './checks/privacy.mjs';
import './checks/oidc.mjs';
import './checks/oidc_space.mjs';

await run();
