//! Project automation. See `cargo xtask help`.
fn main() {
    println!("xtask");
}
