//! The platform tables behind the second wall (issue: tenant boundary, class 2 and 5), checked
//! as the application role in one space's context, as if the application had a bug: no e-mail
//! of an account that never came to the space, no operator secret at all, no change to an
//! account or operator the space does not reach, and a TOTP code good once.

use ecoute::tenancy::TenantDb;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{APP_ROLE, TestDb, tenant_id};

/// PostgreSQL's "insufficient privilege": a column or table the role may not touch, or a row a
/// policy refuses.
const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// Tables without `tenant_id` and RLS off: the registry and shared reference data, readable by
/// every space (`tenants`, `caf_catalogue`), the shared CSRF key, the migrations' ledger.
const OPEN_PLATFORM_TABLES: &[&str] = &["_sqlx_migrations", "caf_catalogue", "server_keys", "tenants"];

fn code(e: sqlx::Error) -> String {
    e.as_database_error()
        .and_then(|d| d.code().map(|c| c.into_owned()))
        .unwrap_or_else(|| format!("{e}"))
}

async fn account_signed_in_at(owner: &PgPool, space: Uuid, email: &str) -> Uuid {
    let mut tx = ecoute::db::owner_tx_in(owner, space).await.unwrap();
    let id: Uuid = sqlx::query_scalar("SELECT id FROM account_sign_in($1, 'Quelqu''un')")
        .bind(email)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn a_space_reaches_only_the_accounts_linked_to_it_and_no_operator_secret() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let (gironde, aude) = (tenant_id(&owner, "gironde").await, tenant_id(&owner, "aude").await);
    let here = account_signed_in_at(&owner, gironde, "ici@exemple.fr").await;
    let there = account_signed_in_at(&owner, aude, "ailleurs@exemple.fr").await;
    sqlx::query(
        "INSERT INTO operators (email, name, password_hash, totp_secret)
         VALUES ('op@caf11.caf.fr', 'Op', '$argon2id$v=19$m=19456,t=2,p=1$c2VsJw$aGFzaA', '\\x00112233')",
    )
    .execute(&owner)
    .await
    .unwrap();
    let db = TenantDb::new(test_db.app_pool().await);

    // Accounts: the linked one only, e-mail included; nothing of the other but its pseudonym.
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM accounts")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        emails,
        vec!["ici@exemple.fr".to_owned()],
        "only the account linked here"
    );
    let pseudonym: Option<String> = sqlx::query_scalar("SELECT account_pseudonym($1)")
        .bind(there)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(pseudonym.as_deref(), Some("Quelqu'un"), "pseudonyms are public");
    for sql in [
        "UPDATE accounts SET pseudonym = 'piraté' WHERE id = $1",
        "DELETE FROM accounts WHERE id = $1",
    ] {
        let done = sqlx::query(sql).bind(there).execute(&mut *tx).await.unwrap();
        assert_eq!(done.rows_affected(), 0, "{sql} reaches no account of another space");
    }
    let renamed = sqlx::query("UPDATE accounts SET pseudonym = 'Renommé' WHERE id = $1")
        .bind(here)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(renamed.rows_affected(), 1, "its own account, yes");
    let err = sqlx::query("INSERT INTO accounts (email, pseudonym) VALUES ('x@exemple.fr', 'xx')")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(
        code(err),
        INSUFFICIENT_PRIVILEGE,
        "accounts are made by account_sign_in only"
    );
    drop(tx);

    // Operators: identity columns of this space's operators and national admins; secrets never.
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    for column in ["password_hash", "totp_secret", "totp_last_step"] {
        let err = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {column} FROM operators")))
            .fetch_all(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(code(err), INSUFFICIENT_PRIVILEGE, "{column}");
        drop(tx);
        tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    }
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM operators WHERE email = 'op@caf11.caf.fr'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0, "an operator with no role here is not seen");
    for sql in [
        "UPDATE operators SET national_admin = true",
        "DELETE FROM operators",
        "INSERT INTO operators (email, name) VALUES ('pirate@exemple.fr', 'P')",
    ] {
        let err = sqlx::query(sql).execute(&mut *tx).await.unwrap_err();
        assert_eq!(code(err), INSUFFICIENT_PRIVILEGE, "{sql}");
        drop(tx);
        tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    }
    // The sign-in setup gives no hash: the PHC string stops before it.
    let setup: Option<String> = sqlx::query_scalar("SELECT setup FROM operator_password_setup('op@caf11.caf.fr')")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(setup.as_deref(), Some("$argon2id$v=19$m=19456,t=2,p=1$c2VsJw"));
    drop(tx);
}

/// Walks the catalogue: every table without `tenant_id` is either one of the open platform
/// tables or has RLS on; and the application role may read no column whose name says it holds
/// a secret, in any table. A platform table or a secret column added later fails here.
#[tokio::test]
async fn every_platform_table_is_known_and_no_secret_column_is_readable() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let tables: Vec<(String, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'
            AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
          ORDER BY 1",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    for (table, rls) in &tables {
        assert!(
            *rls || OPEN_PLATFORM_TABLES.contains(&table.as_str()),
            "{table} has no tenant_id and no RLS: confine it or list it as open, with a reason"
        );
    }
    assert!(tables.iter().any(|(t, rls)| t == "accounts" && *rls));
    assert!(tables.iter().any(|(t, rls)| t == "operators" && *rls));

    let readable_secrets: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname || '.' || a.attname FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped
            AND (a.attname ~ '(password|secret|totp)' OR (a.attname ~ 'hash' AND c.relname = 'operators'))
            AND has_column_privilege($1, a.attrelid, a.attnum, 'SELECT')",
    )
    .bind(APP_ROLE)
    .fetch_all(&owner)
    .await
    .unwrap();
    let unexpected: Vec<&String> = readable_secrets
        .iter()
        .filter(|column| !SEALED_COLUMNS.iter().any(|(sealed, _)| sealed == column))
        .collect();
    assert!(unexpected.is_empty(), "the application role reads {unexpected:?}");
}

/// Secret columns the application role reads because they are sealed: ciphertext under a key
/// that comes from the environment, never from the database, so a SQL-level leak yields nothing
/// usable. Each with the reason; any other readable secret column fails the test above.
const SEALED_COLUMNS: &[(&str, &str)] = &[(
    "space_oidc_providers.client_secret_sealed",
    "ChaCha20-Poly1305 under a key derived from ECOUTE_SECRETS_KEY, with the space and row ids as \
     associated data (src/oidc/sealed.rs): the application opens it to call the space's provider",
)];

#[tokio::test]
async fn a_totp_code_is_good_once_and_only_for_an_operator_of_the_space() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let (gironde, aude) = (tenant_id(&owner, "gironde").await, tenant_id(&owner, "aude").await);
    let secret = b"12345678901234567890".to_vec();
    let operator: Uuid = sqlx::query_scalar(
        "INSERT INTO operators (email, name, totp_secret) VALUES ('totp@caf33.caf.fr', 'T', $1) RETURNING id",
    )
    .bind(&secret)
    .fetch_one(&owner)
    .await
    .unwrap();
    sqlx::query("INSERT INTO operator_roles (tenant_id, operator_id, role) VALUES ($1, $2, 'moderator')")
        .bind(gironde)
        .bind(operator)
        .execute(&owner)
        .await
        .unwrap();
    let db = TenantDb::new(test_db.app_pool().await);
    let code = format!(
        "{:06}",
        ecoute::operators::totp::code_at(&secret, chrono::Utc::now().timestamp())
    );
    let check = |space: Uuid, code: String| {
        let db = db.clone();
        async move {
            let mut tx = db.begin_in(crate::helpers::space(&db, space).await).await.unwrap();
            let outcome: String = sqlx::query_scalar("SELECT operator_check_totp($1, $2)")
                .bind(operator)
                .bind(code)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            outcome
        }
    };
    assert_eq!(check(aude, code.clone()).await, "none", "not an operator of that space");
    assert_eq!(check(gironde, code.clone()).await, "ok");
    assert_eq!(
        check(gironde, code.clone()).await,
        "wrong",
        "the same step again is a replay"
    );
    let next = format!(
        "{:06}",
        ecoute::operators::totp::code_at(&secret, chrono::Utc::now().timestamp() + 30)
    );
    assert_eq!(
        check(gironde, next).await,
        "ok",
        "the next step, within the drift window"
    );
}
