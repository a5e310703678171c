// The migrations are embedded by `sqlx::migrate!`; on stable Rust a change in that folder alone
// would not rebuild the crate without this.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
