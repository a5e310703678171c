//! Test databases on a Citus cluster: when DATABASE_URL names a Citus coordinator (its
//! maintenance database has the `citus` extension and lists the workers, as `scripts/citus
//! start` leaves it), each database exists on the coordinator and on every worker under the same
//! name, and the template is distributed by `ecoute migrate`'s Citus step.
//!
//! A test database is the template cloned on each node (`CREATE DATABASE … TEMPLATE`, which
//! Citus does not propagate): the shards' names and the nodes' addresses are the same in every
//! clone, so the clones make a consistent distributed database. A clone needs no session on its
//! template, so the template's Citus maintenance daemons (one per node, connected to it) are
//! stopped first; they come back when someone connects to the template, which nothing does.

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The workers of the coordinator at `admin`, when it is one.
pub(super) async fn workers(admin: &PgConnectOptions) -> Option<Vec<PgConnectOptions>> {
    let mut conn = PgConnection::connect_with(admin)
        .await
        .expect("connect to the maintenance database");
    let citus: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    if !citus {
        return None;
    }
    let nodes: Vec<(String, i32)> = sqlx::query_as(
        "SELECT nodename::text, nodeport FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary' ORDER BY nodeid",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.ok();
    assert!(
        !nodes.is_empty(),
        "the Citus coordinator lists no worker (scripts/citus start)"
    );
    let port = |p: i32| u16::try_from(p).expect("a port");
    Some(
        nodes
            .into_iter()
            .map(|(host, p)| admin.clone().host(&host).port(port(p)))
            .collect(),
    )
}

async fn run(options: &PgConnectOptions, sql: &str) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect_with(options).await?;
    let done = sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut conn).await;
    conn.close().await.ok();
    done.map(|_| ())
}

/// Creates the template on every node with the extension, and registers the workers in it.
pub(super) async fn create_template(admin: &PgConnectOptions, workers: &[PgConnectOptions], name: &str) {
    for node in workers.iter().chain([admin]) {
        run(node, &format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create the template");
        run(&node.clone().database(name), "CREATE EXTENSION citus")
            .await
            .expect("CREATE EXTENSION citus");
    }
    let coordinator = admin.clone().database(name);
    let mut sql = format!(
        "SELECT citus_set_coordinator_host('{}', {});
         ALTER DATABASE \"{name}\" SET citus.shard_count = 4;",
        admin.get_host(),
        admin.get_port()
    );
    for w in workers {
        sql.push_str(&format!("SELECT citus_add_node('{}', {});", w.get_host(), w.get_port()));
    }
    run(&coordinator, &sql).await.expect("register the workers");
}

/// Clones the template on every node (the workers first, the coordinator last).
pub(super) async fn clone_template(admin: &PgConnectOptions, workers: &[PgConnectOptions], template: &str, name: &str) {
    let stop = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{template}' AND pid <> pg_backend_pid()"
    );
    for attempt in 0.. {
        for node in workers.iter().chain([admin]) {
            run(node, &stop).await.expect("stop the template's sessions");
        }
        let mut failed = None;
        for node in workers.iter().chain([admin]) {
            let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
            match run(node, &sql).await {
                Ok(()) => {}
                // Already made on this node by an earlier attempt.
                Err(e) if ecoute::db::is_duplicate(&e) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        match failed {
            None => return,
            Some(e) if attempt >= 5 => panic!("clone the template on the Citus nodes: {e}"),
            Some(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
}

/// Drops a database on every worker (the coordinator's is dropped by the caller).
pub(super) async fn drop_on_workers(workers: &[PgConnectOptions], name: &str) {
    for node in workers {
        let _ = run(node, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
    }
}
