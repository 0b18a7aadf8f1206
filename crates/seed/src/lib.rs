//! Books of work built in bulk, for trying Rapport and for measuring it: the demo workspace
//! (`rapport demo`, `rapport serve --demo`), the benchmark workload generator and its seeder
//! (`rapport bench seed`). They are tools around the product, so they live beside it: they
//! write facts through the store's repositories and take what the live paths derive from those
//! facts from `rapport_app::history`.

pub mod bench;
pub mod demo;
pub mod workload;
