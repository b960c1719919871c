//! Writes a deterministic, realistic synthetic Dagster monorepo for benchmarks.
//!
//! ```sh
//! cargo run --release --example gen_monorepo -- --locations 50 --files 20000 --seed 1 OUT
//! ```
//!
//! Layout (every name derived from the seed; the same arguments always write a
//! byte-identical tree):
//!
//! ```text
//! OUT/workspace.yaml                       every location (python_module + working_directory)
//! OUT/helm/values.yaml                     dagster-user-deployments with dagsterApiGrpcArgs
//! OUT/libraries/pyproject.toml             [project] name = "shared-lib"
//! OUT/libraries/shared_lib/...             shared package: core modules + area subpackages
//! OUT/projects/<loc>/pyproject.toml        depends on shared-lib
//! OUT/projects/<loc>/<loc>/__init__.py
//! OUT/projects/<loc>/<loc>/definitions.py  imports the asset groups, builds dg.Definitions
//! OUT/projects/<loc>/<loc>/assets/<group>/[<sub>/]<module>.py
//! OUT/projects/<loc>/<loc>/resources/, utils/, jobs.py, schedules.py, sensors.py
//! OUT/projects/<loc>/<loc>_tests/test_*.py (not loaded by the location)
//! ```
//!
//! Files look like real pipeline code: docstrings, `@dg.asset(...)` decorators,
//! config and resource classes, helpers, 5–20 imports per module (stdlib,
//! Dagster, catalogued heavy packages at module and function level,
//! first-party absolute and relative imports, `if TYPE_CHECKING:` blocks,
//! `try: ... except ImportError:`), eager clients at module level
//! (`boto3.client("s3")`, `create_engine(...)`), a few hundred lines each.
//!
//! No dependencies beyond std: the PRNG is splitmix64.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// ---------------------------------------------------------------- PRNG

/// splitmix64: tiny, fast, and good enough for synthetic text.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    /// An independent stream for a (seed, namespace, index) triple, so the
    /// content of one file does not depend on the order files are written in.
    fn derive(seed: u64, namespace: u64, index: u64) -> Self {
        let mut r = Self(seed ^ namespace.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.0 ^= r
            .next_u64()
            .wrapping_add(index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// `true` with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }

    /// Between `lo` and `hi` distinct indices of `0..n`, in increasing order.
    fn sample_some(&mut self, n: usize, lo: usize, hi: usize) -> Vec<usize> {
        let k = self.range(lo, hi);
        self.sample(n, k)
    }

    /// `k` distinct indices of `0..n`, in increasing order.
    fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.below(n - i);
            idx.swap(i, j);
        }
        let mut out = idx[..k].to_vec();
        out.sort_unstable();
        out
    }
}

// ---------------------------------------------------------------- vocabulary

const TEAMS: &[&str] = &[
    "sales",
    "marketing",
    "finance",
    "growth",
    "risk",
    "fraud",
    "supply_chain",
    "logistics",
    "pricing",
    "search",
    "recommendations",
    "customer_success",
    "payments",
    "billing",
    "ads",
    "content",
    "hr_analytics",
    "security",
    "ml_platform",
    "data_quality",
    "inventory",
    "partners",
    "support",
    "product_analytics",
];
const KINDS: &[&str] = &[
    "etl", "daily", "hourly", "reports", "features", "models", "ingest", "exports", "metrics",
    "sync",
];
const NOUNS: &[&str] = &[
    "orders",
    "customers",
    "invoices",
    "payments",
    "sessions",
    "events",
    "clicks",
    "campaigns",
    "leads",
    "products",
    "inventory",
    "shipments",
    "returns",
    "refunds",
    "accounts",
    "users",
    "subscriptions",
    "churn",
    "forecasts",
    "prices",
    "vendors",
    "contracts",
    "tickets",
    "surveys",
    "reviews",
    "budgets",
    "ledgers",
    "transactions",
    "claims",
    "policies",
    "devices",
    "metrics",
    "experiments",
    "features",
    "embeddings",
    "documents",
    "addresses",
    "stores",
    "regions",
    "carriers",
    "warehouses",
    "promotions",
    "coupons",
    "carts",
    "pageviews",
    "signups",
    "cohorts",
    "segments",
    "attributions",
    "impressions",
];
const PREFIXES: &[&str] = &[
    "raw", "stg", "clean", "enriched", "daily", "weekly", "monthly", "agg", "fct", "dim", "scored",
    "latest", "deduped", "joined",
];
const AREAS: &[&str] = &[
    "ml",
    "quality",
    "ingest",
    "reporting",
    "geo",
    "nlp",
    "finance",
    "observability",
    "storage",
    "identity",
    "scheduling",
    "experiments",
];
const HELPER_VERBS: &[&str] = &[
    "normalize",
    "dedupe",
    "validate",
    "coerce",
    "merge",
    "split",
    "flatten",
    "bucket",
    "mask",
    "rename",
    "filter",
    "score",
    "enrich",
    "summarize",
];
const DIMS: &[&str] = &[
    "region", "country", "channel", "segment", "store_id", "plan", "device", "source", "currency",
];
const MEASURES: &[&str] = &[
    "amount",
    "quantity",
    "revenue",
    "cost",
    "duration_s",
    "score",
    "discount",
    "margin",
];
const WORDS: &[&str] = &[
    "loads",
    "the",
    "latest",
    "export",
    "from",
    "upstream",
    "systems",
    "and",
    "keeps",
    "only",
    "rows",
    "that",
    "passed",
    "validation",
    "joins",
    "reference",
    "data",
    "for",
    "downstream",
    "dashboards",
    "drops",
    "test",
    "accounts",
    "partitioned",
    "by",
    "day",
    "refreshed",
    "every",
    "morning",
    "owned",
    "team",
    "see",
    "runbook",
    "in",
    "wiki",
    "columns",
    "are",
    "renamed",
    "to",
    "snake",
    "case",
    "late",
    "arriving",
    "records",
    "reprocessed",
    "next",
    "run",
];

/// A third-party import: the statement, its alias in code, and whether the
/// package is catalogued heavy (heuristics/packages.toml).
struct ThirdParty {
    stmt: &'static str,
    alias: &'static str,
    /// Relative weight (percent chance a module imports it at module level).
    weight: usize,
}

const THIRD_PARTY: &[ThirdParty] = &[
    ThirdParty {
        stmt: "import pandas as pd",
        alias: "pd",
        weight: 35,
    },
    ThirdParty {
        stmt: "import numpy as np",
        alias: "np",
        weight: 18,
    },
    ThirdParty {
        stmt: "import boto3",
        alias: "boto3",
        weight: 9,
    },
    ThirdParty {
        stmt: "from sqlalchemy import create_engine, text",
        alias: "create_engine",
        weight: 9,
    },
    ThirdParty {
        stmt: "import requests",
        alias: "requests",
        weight: 14,
    },
    ThirdParty {
        stmt: "import yaml",
        alias: "yaml",
        weight: 8,
    },
    ThirdParty {
        stmt: "from pydantic import BaseModel, Field",
        alias: "BaseModel",
        weight: 10,
    },
    ThirdParty {
        stmt: "import pyarrow as pa",
        alias: "pa",
        weight: 5,
    },
    ThirdParty {
        stmt: "import polars as pl",
        alias: "pl",
        weight: 4,
    },
    ThirdParty {
        stmt: "from sklearn.ensemble import RandomForestClassifier",
        alias: "RandomForestClassifier",
        weight: 4,
    },
    ThirdParty {
        stmt: "import torch",
        alias: "torch",
        weight: 2,
    },
    ThirdParty {
        stmt: "import spacy",
        alias: "spacy",
        weight: 1,
    },
    ThirdParty {
        stmt: "from transformers import AutoTokenizer",
        alias: "AutoTokenizer",
        weight: 1,
    },
    ThirdParty {
        stmt: "import matplotlib.pyplot as plt",
        alias: "plt",
        weight: 3,
    },
    ThirdParty {
        stmt: "from google.cloud import bigquery",
        alias: "bigquery",
        weight: 3,
    },
    ThirdParty {
        stmt: "import snowflake.connector",
        alias: "snowflake",
        weight: 3,
    },
    ThirdParty {
        stmt: "import duckdb",
        alias: "duckdb",
        weight: 3,
    },
    ThirdParty {
        stmt: "import httpx",
        alias: "httpx",
        weight: 5,
    },
    ThirdParty {
        stmt: "import tenacity",
        alias: "tenacity",
        weight: 4,
    },
    ThirdParty {
        stmt: "import networkx as nx",
        alias: "nx",
        weight: 1,
    },
    ThirdParty {
        stmt: "import mlflow",
        alias: "mlflow",
        weight: 2,
    },
    ThirdParty {
        stmt: "from scipy import stats",
        alias: "stats",
        weight: 2,
    },
];

/// Heavy imports placed inside an asset body (deferred until it runs).
const LAZY_HEAVY: &[(&str, &str)] = &[
    (
        "import torch",
        "tensor = torch.tensor([float(row.get(\"{m}\", 0.0) or 0.0) for row in records])\n\
         context.log.info(\"tensor shape %s\", tuple(tensor.shape))",
    ),
    (
        "from sklearn.preprocessing import StandardScaler",
        "scaled = StandardScaler().fit_transform([[float(row.get(\"{m}\", 0.0) or 0.0)] for row in records] or [[0.0]])\n\
         context.log.info(\"scaled %d values\", len(scaled))",
    ),
    (
        "import spacy",
        "nlp = spacy.blank(\"en\")\n\
         tokens = sum(len(nlp(str(row.get(\"{d}\", \"\")))) for row in records)\n\
         context.log.info(\"tokenised %d tokens\", tokens)",
    ),
    (
        "import pandas as pd",
        "frame = pd.DataFrame.from_records(records)\n\
         context.log.info(\"frame has %d columns\", len(frame.columns))",
    ),
    (
        "import polars as pl",
        "frame = pl.DataFrame(records)\n\
         context.log.info(\"polars frame %s\", frame.shape)",
    ),
    (
        "import pyarrow.parquet as pq",
        "table = pq.read_table(os.path.join(DATA_DIR, \"{d}.parquet\"))\n\
         context.log.info(\"read %d rows from parquet\", table.num_rows)",
    ),
    (
        "from transformers import pipeline",
        "classifier = pipeline(\"sentiment-analysis\")\n\
         labels = [classifier(str(row.get(\"{d}\", \"\")))[0][\"label\"] for row in records[:16]]\n\
         context.log.info(\"labelled %d rows\", len(labels))",
    ),
    (
        "import numpy as np",
        "values = np.asarray([float(row.get(\"{m}\", 0.0) or 0.0) for row in records])\n\
         context.log.info(\"p95 %.2f\", float(np.percentile(values, 95)) if values.size else 0.0)",
    ),
];

const TYPE_CHECKING_IMPORTS: &[&str] = &[
    "import torch",
    "from sklearn.base import BaseEstimator",
    "import pandas as pd_types",
    "from pyspark.sql import DataFrame as SparkDataFrame",
    "import tensorflow as tf",
    "from mypy_boto3_s3 import S3Client",
    "from sqlalchemy.engine import Engine",
];

const OPTIONAL_IMPORTS: &[(&str, &str)] = &[
    ("import orjson as fastjson", "fastjson"),
    ("import ujson as fastjson", "fastjson"),
    ("import lightgbm", "lightgbm"),
    ("import xgboost", "xgboost"),
    ("from rich import print as rprint", "rprint"),
];

// ---------------------------------------------------------------- plan

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    LocationInit,
    Definitions,
    AssetsInit,
    GroupInit,
    Asset,
    ResourcesInit,
    Resource,
    UtilsInit,
    Helpers,
    Jobs,
    Schedules,
    Sensors,
    TestsInit,
    Test,
    SharedInit,
    SharedCore,
    AreaInit,
    AreaModule,
}

/// One planned `.py` file.
#[derive(Clone, Debug)]
struct Module {
    /// Path relative to the output root.
    rel: String,
    /// Dotted module name (`loc.assets.orders.stg_orders`).
    dotted: String,
    kind: Kind,
    /// Location index (None for the shared library).
    location: Option<usize>,
    /// Public functions other modules may import (helpers, assets).
    exports: Vec<String>,
    /// Submodules / subpackages a package `__init__` imports (short names).
    children: Vec<String>,
    /// Group (for assets, group inits).
    group: String,
    /// Depth of the containing package below the location package (for
    /// relative imports): `loc/assets/g/m.py` is 2.
    depth: usize,
    /// Index of sibling modules in the same package planned before this one.
    siblings_before: Vec<usize>,
    /// Area name for shared area modules.
    area: String,
}

struct Location {
    name: String,
    groups: Vec<String>,
    /// Modules of the location's helpers (for first-party imports).
    helpers: usize,
    resources: Vec<(String, String)>, // (module short name, class)
}

struct Plan {
    locations: Vec<Location>,
    modules: Vec<Module>,
    /// Indices of shared area modules.
    shared_area_modules: Vec<usize>,
}

fn unique(name: String, taken: &mut Vec<String>) -> String {
    if !taken.contains(&name) {
        taken.push(name.clone());
        return name;
    }
    for i in 2.. {
        let candidate = format!("{name}_{i}");
        if !taken.contains(&candidate) {
            taken.push(candidate.clone());
            return candidate;
        }
    }
    unreachable!()
}

fn asset_names(rng: &mut Rng, n: usize, taken: &mut Vec<String>) -> Vec<String> {
    (0..n)
        .map(|_| {
            let name = format!("{}_{}", rng.word(PREFIXES), rng.word(NOUNS));
            unique(name, taken)
        })
        .collect()
}

fn helper_names(rng: &mut Rng, n: usize, taken: &mut Vec<String>) -> Vec<String> {
    (0..n)
        .map(|_| {
            let name = format!("{}_{}", rng.word(HELPER_VERBS), rng.word(NOUNS));
            unique(name, taken)
        })
        .collect()
}

const LOCATION_CORE: usize = 12;
const SHARED_CORE: usize = 6;

fn plan(seed: u64, n_locations: usize, n_files: usize) -> Result<Plan, String> {
    let shared_budget = (n_files / 20).max(SHARED_CORE + 6);
    if n_locations == 0 {
        return Err("--locations must be at least 1".into());
    }
    let min_per_location = LOCATION_CORE + 4 + 2;
    if n_files < shared_budget + n_locations * min_per_location {
        return Err(format!(
            "--files {n_files} is too small for {n_locations} locations (need at least {})",
            shared_budget + n_locations * min_per_location
        ));
    }
    let mut rng = Rng::derive(seed, 1, 0);
    let mut modules: Vec<Module> = Vec::new();
    let blank = |rel: String, dotted: String, kind: Kind, location: Option<usize>| Module {
        rel,
        dotted,
        kind,
        location,
        exports: Vec::new(),
        children: Vec::new(),
        group: String::new(),
        depth: 0,
        siblings_before: Vec::new(),
        area: String::new(),
    };

    // Shared library.
    let mut shared_area_modules = Vec::new();
    {
        let base = "libraries/shared_lib";
        let mut init = blank(
            format!("{base}/__init__.py"),
            "shared_lib".into(),
            Kind::SharedInit,
            None,
        );
        init.exports = vec!["asset_prefix".into()];
        modules.push(init);
        for core in ["naming", "io", "warehouse", "clients", "config"] {
            let mut m = blank(
                format!("{base}/{core}.py"),
                format!("shared_lib.{core}"),
                Kind::SharedCore,
                None,
            );
            m.area = core.to_string();
            m.exports = if core == "naming" {
                vec!["asset_prefix".into(), "table_name".into()]
            } else {
                {
                    let n = rng.range(4, 9);
                    helper_names(&mut rng, n, &mut Vec::new())
                }
            };
            modules.push(m);
        }
        let mut remaining = shared_budget - SHARED_CORE;
        // Area packages first (`shared_lib/ml`), then subpackages inside them
        // (`shared_lib/ml/orders`): nested `__init__` chains.
        let mut subs_taken: Vec<Vec<String>> = vec![Vec::new(); AREAS.len()];
        let mut chunk = 0;
        while remaining > 0 {
            let mut n = rng.range(5, 12).min(remaining - 1);
            if remaining - 1 - n == 1 {
                n += 1;
            }
            let area_index = chunk % AREAS.len();
            let area = if chunk < AREAS.len() {
                AREAS[area_index].to_string()
            } else {
                let sub = unique(rng.word(NOUNS).to_string(), &mut subs_taken[area_index]);
                format!("{}/{sub}", AREAS[area_index])
            };
            chunk += 1;
            let area_dotted = area.replace('/', ".");
            let mut init = blank(
                format!("{base}/{area}/__init__.py"),
                format!("shared_lib.{area_dotted}"),
                Kind::AreaInit,
                None,
            );
            init.area = area_dotted.clone();
            let init_index = modules.len();
            modules.push(init);
            let mut names = Vec::new();
            for _ in 0..n {
                let stem = unique(rng.word(NOUNS).to_string(), &mut names);
                let mut m = blank(
                    format!("{base}/{area}/{stem}.py"),
                    format!("shared_lib.{area_dotted}.{stem}"),
                    Kind::AreaModule,
                    None,
                );
                m.area = area_dotted.clone();
                let k = rng.range(3, 8);
                m.exports = helper_names(&mut rng, k, &mut Vec::new());
                shared_area_modules.push(modules.len());
                modules.push(m);
            }
            // The area's __init__ re-exports a couple of its modules.
            let k = rng.range(0, 2.min(n));
            modules[init_index].children = rng
                .sample(n, k)
                .into_iter()
                .map(|i| names[i].clone())
                .collect();
            remaining -= 1 + n;
        }
    }

    // Locations.
    let per = (n_files - shared_budget) / n_locations;
    let extra = (n_files - shared_budget) % n_locations;
    let mut locations = Vec::new();
    let mut loc_taken = Vec::new();
    for li in 0..n_locations {
        let budget = per + usize::from(li < extra);
        let name = unique(
            format!("{}_{}", rng.word(TEAMS), rng.word(KINDS)),
            &mut loc_taken,
        );
        let pkg = format!("projects/{name}/{name}");
        let mut taken = Vec::new();
        let k = rng.range(5, 10);
        let helpers_exports = helper_names(&mut rng, k, &mut taken);
        let resources = vec![
            ("warehouse".to_string(), "WarehouseResource".to_string()),
            ("storage".to_string(), "StorageResource".to_string()),
            ("api".to_string(), "ApiResource".to_string()),
        ];
        let tests = (budget / 12).max(2);
        let mut asset_budget = budget - LOCATION_CORE - tests;

        let push = |modules: &mut Vec<Module>, m: Module| {
            modules.push(m);
            modules.len() - 1
        };
        push(
            &mut modules,
            blank(
                format!("{pkg}/__init__.py"),
                name.clone(),
                Kind::LocationInit,
                Some(li),
            ),
        );
        let definitions = push(
            &mut modules,
            blank(
                format!("{pkg}/definitions.py"),
                format!("{name}.definitions"),
                Kind::Definitions,
                Some(li),
            ),
        );
        push(
            &mut modules,
            blank(
                format!("{pkg}/assets/__init__.py"),
                format!("{name}.assets"),
                Kind::AssetsInit,
                Some(li),
            ),
        );
        let mut res_init = blank(
            format!("{pkg}/resources/__init__.py"),
            format!("{name}.resources"),
            Kind::ResourcesInit,
            Some(li),
        );
        res_init.children = resources.iter().map(|r| r.0.clone()).collect();
        push(&mut modules, res_init);
        for (short, class) in &resources {
            let mut m = blank(
                format!("{pkg}/resources/{short}.py"),
                format!("{name}.resources.{short}"),
                Kind::Resource,
                Some(li),
            );
            m.exports = vec![class.clone()];
            m.depth = 1;
            push(&mut modules, m);
        }
        push(
            &mut modules,
            blank(
                format!("{pkg}/utils/__init__.py"),
                format!("{name}.utils"),
                Kind::UtilsInit,
                Some(li),
            ),
        );
        let mut helpers = blank(
            format!("{pkg}/utils/helpers.py"),
            format!("{name}.utils.helpers"),
            Kind::Helpers,
            Some(li),
        );
        helpers.exports = helpers_exports;
        helpers.depth = 1;
        let helpers = push(&mut modules, helpers);
        for (file, kind) in [
            ("jobs", Kind::Jobs),
            ("schedules", Kind::Schedules),
            ("sensors", Kind::Sensors),
        ] {
            push(
                &mut modules,
                blank(
                    format!("{pkg}/{file}.py"),
                    format!("{name}.{file}"),
                    kind,
                    Some(li),
                ),
            );
        }

        // Asset groups, some with a nested subgroup.
        let mut groups: Vec<String> = Vec::new();
        let mut asset_modules: Vec<usize> = Vec::new();
        let mut group_taken = Vec::new();
        while asset_budget > 0 {
            let group = unique(rng.word(NOUNS).to_string(), &mut group_taken);
            let nested = asset_budget >= 24 && rng.chance(35);
            // Files of this group: its __init__ + modules (+ sub __init__ + modules).
            let mut n = rng.range(6, 14);
            let sub_n = if nested { rng.range(4, 9) } else { 0 };
            let overhead = 1 + usize::from(nested);
            let mut take = overhead + n + sub_n;
            if take > asset_budget {
                n = asset_budget.saturating_sub(overhead + sub_n).max(1);
                take = overhead + n + sub_n;
            }
            if asset_budget - take < 3 {
                n += asset_budget - take;
                take = asset_budget;
            }
            let mut group_assets = Vec::new();
            let gdir = format!("{pkg}/assets/{group}");
            let gdot = format!("{name}.assets.{group}");
            let ginit = modules.len();
            let mut gi = blank(
                format!("{gdir}/__init__.py"),
                gdot.clone(),
                Kind::GroupInit,
                Some(li),
            );
            gi.group = group.clone();
            gi.depth = 2;
            modules.push(gi);
            let mut stems = Vec::new();
            let mut in_package = Vec::new();
            for _ in 0..n {
                let stem = unique(rng.word(NOUNS).to_string(), &mut stems);
                let mut m = blank(
                    format!("{gdir}/{stem}.py"),
                    format!("{gdot}.{stem}"),
                    Kind::Asset,
                    Some(li),
                );
                m.group = group.clone();
                m.depth = 2;
                let k = rng.range(3, 9);
                m.exports = asset_names(&mut rng, k, &mut group_assets);
                m.siblings_before = in_package.clone();
                in_package.push(modules.len());
                asset_modules.push(modules.len());
                modules.push(m);
            }
            let mut children = stems.clone();
            if nested {
                let sub = unique(rng.word(PREFIXES).to_string(), &mut stems);
                children.push(sub.clone());
                let sdir = format!("{gdir}/{sub}");
                let sdot = format!("{gdot}.{sub}");
                let mut si = blank(
                    format!("{sdir}/__init__.py"),
                    sdot.clone(),
                    Kind::GroupInit,
                    Some(li),
                );
                si.group = group.clone();
                si.depth = 3;
                let sinit = modules.len();
                modules.push(si);
                let mut sub_stems = Vec::new();
                let mut in_sub = Vec::new();
                for _ in 0..sub_n {
                    let stem = unique(rng.word(NOUNS).to_string(), &mut sub_stems);
                    let mut m = blank(
                        format!("{sdir}/{stem}.py"),
                        format!("{sdot}.{stem}"),
                        Kind::Asset,
                        Some(li),
                    );
                    m.group = group.clone();
                    m.depth = 3;
                    let k = rng.range(3, 9);
                    m.exports = asset_names(&mut rng, k, &mut group_assets);
                    m.siblings_before = in_sub.clone();
                    in_sub.push(modules.len());
                    asset_modules.push(modules.len());
                    modules.push(m);
                }
                modules[sinit].children = sub_stems;
            }
            modules[ginit].children = children;
            groups.push(group);
            asset_budget -= take;
        }

        // Tests: not loaded by the location.
        let tdir = format!("projects/{name}/{name}_tests");
        push(
            &mut modules,
            blank(
                format!("{tdir}/__init__.py"),
                format!("{name}_tests"),
                Kind::TestsInit,
                Some(li),
            ),
        );
        let mut test_stems = Vec::new();
        for _ in 0..tests - 1 {
            let target = asset_modules[rng.below(asset_modules.len())];
            let stem = unique(
                format!(
                    "test_{}",
                    modules[target].rel.rsplit('/').next().unwrap_or("x")
                )
                .trim_end_matches(".py")
                .to_string(),
                &mut test_stems,
            );
            let mut m = blank(
                format!("{tdir}/{stem}.py"),
                format!("{name}_tests.{stem}"),
                Kind::Test,
                Some(li),
            );
            m.siblings_before = vec![target];
            push(&mut modules, m);
        }
        let _ = (definitions, helpers);
        locations.push(Location {
            name,
            groups,
            helpers,
            resources,
        });
    }
    if modules.len() != n_files {
        return Err(format!(
            "internal: planned {} files for --files {n_files}",
            modules.len()
        ));
    }
    Ok(Plan {
        locations,
        modules,
        shared_area_modules,
    })
}

// ---------------------------------------------------------------- rendering

struct Out {
    text: String,
}

impl Out {
    fn new() -> Self {
        Self {
            text: String::with_capacity(16 * 1024),
        }
    }

    fn line(&mut self, indent: usize, line: &str) {
        if line.is_empty() {
            self.text.push('\n');
            return;
        }
        for _ in 0..indent {
            self.text.push_str("    ");
        }
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// Several lines (separated by `\n`) at one indent.
    fn block(&mut self, indent: usize, lines: &str) {
        for l in lines.split('\n') {
            self.line(indent, l.trim_start_matches(' '));
        }
    }

    fn blank(&mut self) {
        self.text.push('\n');
    }
}

fn sentence(rng: &mut Rng, min: usize, max: usize) -> String {
    let n = rng.range(min, max);
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.word(WORDS));
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => format!("{}{}.", c.to_ascii_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn title(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

fn docstring_random(
    out: &mut Out,
    rng: &mut Rng,
    indent: usize,
    words: (usize, usize),
    paragraphs: (usize, usize),
) {
    let summary = sentence(rng, words.0, words.1);
    docstring(out, rng, indent, &summary, paragraphs);
}

fn docstring(
    out: &mut Out,
    rng: &mut Rng,
    indent: usize,
    summary: &str,
    paragraphs: (usize, usize),
) {
    let paragraphs = rng.range(paragraphs.0, paragraphs.1);
    if paragraphs == 0 {
        out.line(indent, &format!("\"\"\"{summary}\"\"\""));
        return;
    }
    out.line(indent, &format!("\"\"\"{summary}"));
    for _ in 0..paragraphs {
        out.blank();
        let text = format!("{} {}", sentence(rng, 6, 12), sentence(rng, 5, 11));
        // Wrap at ~80 columns.
        let mut line = String::new();
        for word in text.split(' ') {
            if line.len() + word.len() > 76 - indent * 4 && !line.is_empty() {
                out.line(indent, &line);
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            out.line(indent, &line);
        }
    }
    out.line(indent, "\"\"\"");
}

/// Imports a module renders, grouped like isort would.
#[derive(Default)]
struct Imports {
    future: bool,
    stdlib: Vec<String>,
    third: Vec<String>,
    first: Vec<String>,
    local: Vec<String>,
    type_checking: Vec<String>,
    optional: Option<(String, String)>,
}

impl Imports {
    fn render(&self, out: &mut Out) {
        if self.future {
            out.line(0, "from __future__ import annotations");
            out.blank();
        }
        for section in [&self.stdlib, &self.third, &self.first, &self.local] {
            if section.is_empty() {
                continue;
            }
            for l in section {
                out.line(0, l);
            }
            out.blank();
        }
        if !self.type_checking.is_empty() {
            out.line(0, "if TYPE_CHECKING:");
            for l in &self.type_checking {
                out.line(1, l);
            }
            out.blank();
        }
        if let Some((stmt, alias)) = &self.optional {
            out.line(0, "try:");
            out.line(1, stmt);
            out.line(
                0,
                "except ImportError:  # pragma: no cover - optional dependency",
            );
            out.line(1, &format!("{alias} = None"));
            out.blank();
        }
    }
}

/// isort's default order: by module name, `import x` before `from x import`.
fn import_key(line: &str) -> (String, bool) {
    let module = line
        .trim_start_matches("from ")
        .trim_start_matches("import ")
        .split([' ', ','])
        .next()
        .unwrap_or("");
    (module.to_ascii_lowercase(), line.starts_with("from "))
}

fn has(third: &[String], alias: &str) -> bool {
    THIRD_PARTY
        .iter()
        .any(|t| t.alias == alias && third.iter().any(|s| s == t.stmt))
}

/// A from-import line, wrapped in parentheses when long.
fn from_import(module: &str, names: &[String]) -> String {
    let one = format!("from {module} import {}", names.join(", "));
    if one.len() <= 88 {
        return one;
    }
    let mut s = format!("from {module} import (\n");
    for n in names {
        let _ = writeln!(s, "    {n},");
    }
    s.push(')');
    s
}

fn render(plan: &Plan, seed: u64, index: usize) -> String {
    let m = &plan.modules[index];
    let mut rng = Rng::derive(seed, 2, index as u64);
    let mut out = Out::new();
    match m.kind {
        Kind::LocationInit => {
            let loc = &plan.locations[m.location.unwrap_or(0)];
            docstring(
                &mut out,
                &mut rng,
                0,
                &format!("Code location `{}`.", loc.name),
                (1, 1),
            );
            out.blank();
            out.line(0, "__version__ = \"0.1.0\"");
        }
        Kind::AssetsInit => {
            docstring(
                &mut out,
                &mut rng,
                0,
                "Asset groups of this location.",
                (0, 0),
            );
        }
        Kind::UtilsInit | Kind::TestsInit => {}
        Kind::GroupInit => {
            docstring(
                &mut out,
                &mut rng,
                0,
                &format!("{} assets.", title(&m.group)),
                (0, 1),
            );
            out.blank();
            out.line(0, &from_import(".", &m.children));
            out.blank();
            out.line(0, "__all__ = [");
            for c in &m.children {
                out.line(1, &format!("\"{c}\","));
            }
            out.line(0, "]");
        }
        Kind::ResourcesInit => {
            docstring(
                &mut out,
                &mut rng,
                0,
                "Resources shared by the assets.",
                (0, 0),
            );
            out.blank();
            let loc = &plan.locations[m.location.unwrap_or(0)];
            for (short, class) in &loc.resources {
                out.line(0, &format!("from .{short} import {class}"));
            }
            out.blank();
            let names: Vec<String> = loc
                .resources
                .iter()
                .map(|(_, c)| format!("\"{c}\""))
                .collect();
            out.line(0, &format!("__all__ = [{}]", names.join(", ")));
        }
        Kind::SharedInit => {
            docstring(
                &mut out,
                &mut rng,
                0,
                "Helpers shared by every code location of the monorepo.",
                (1, 1),
            );
            out.blank();
            out.line(0, "from shared_lib.naming import asset_prefix, table_name");
            out.blank();
            out.line(0, "__all__ = [\"asset_prefix\", \"table_name\"]");
        }
        Kind::AreaInit => {
            docstring(
                &mut out,
                &mut rng,
                0,
                &format!("Shared {} helpers.", m.area),
                (0, 0),
            );
            if !m.children.is_empty() {
                out.blank();
                out.line(0, &from_import(".", &m.children));
            }
        }
        Kind::Definitions => render_definitions(plan, m, &mut rng, &mut out),
        Kind::Jobs | Kind::Schedules | Kind::Sensors => {
            render_orchestration(plan, m, &mut rng, &mut out)
        }
        Kind::Test => render_test(plan, m, &mut rng, &mut out),
        Kind::Asset | Kind::Resource | Kind::Helpers | Kind::SharedCore | Kind::AreaModule => {
            render_code(plan, m, &mut rng, &mut out)
        }
    }
    out.text
}

fn render_definitions(plan: &Plan, m: &Module, rng: &mut Rng, out: &mut Out) {
    let loc = &plan.locations[m.location.unwrap_or(0)];
    let name = &loc.name;
    docstring(
        out,
        rng,
        0,
        &format!("Definitions of the `{name}` code location."),
        (1, 1),
    );
    out.blank();
    out.line(0, "import dagster as dg");
    out.blank();
    out.line(0, &from_import(&format!("{name}.assets"), &loc.groups));
    out.line(0, &format!("from {name}.jobs import ALL_JOBS"));
    let classes: Vec<String> = loc.resources.iter().map(|r| r.1.clone()).collect();
    out.line(0, &from_import(&format!("{name}.resources"), &classes));
    out.line(0, &format!("from {name}.schedules import ALL_SCHEDULES"));
    out.line(0, &format!("from {name}.sensors import ALL_SENSORS"));
    out.blank();
    out.line(0, "all_assets = [");
    for g in &loc.groups {
        out.line(1, &format!("*dg.load_assets_from_package_module({g}),"));
    }
    out.line(0, "]");
    out.blank();
    out.line(0, "defs = dg.Definitions(");
    out.line(1, "assets=all_assets,");
    out.line(1, "jobs=ALL_JOBS,");
    out.line(1, "schedules=ALL_SCHEDULES,");
    out.line(1, "sensors=ALL_SENSORS,");
    out.line(1, "resources={");
    for (short, class) in &loc.resources {
        out.line(2, &format!("\"{short}\": {class}(),"));
    }
    out.line(1, "},");
    out.line(0, ")");
}

fn render_orchestration(plan: &Plan, m: &Module, rng: &mut Rng, out: &mut Out) {
    let loc = &plan.locations[m.location.unwrap_or(0)];
    let name = &loc.name;
    match m.kind {
        Kind::Jobs => {
            docstring(out, rng, 0, "Asset jobs, one per group.", (0, 0));
            out.blank();
            out.line(0, "import dagster as dg");
            out.blank();
            for g in &loc.groups {
                out.line(
                    0,
                    &format!(
                        "{g}_job = dg.define_asset_job(\"{g}_job\", selection=dg.AssetSelection.groups(\"{g}\"))"
                    ),
                );
            }
            out.blank();
            out.line(0, "ALL_JOBS = [");
            for g in &loc.groups {
                out.line(1, &format!("{g}_job,"));
            }
            out.line(0, "]");
        }
        Kind::Schedules => {
            docstring(out, rng, 0, "Schedules of the asset jobs.", (0, 0));
            out.blank();
            out.line(0, "import dagster as dg");
            out.blank();
            let jobs: Vec<String> = loc.groups.iter().map(|g| format!("{g}_job")).collect();
            out.line(0, &from_import(&format!("{name}.jobs"), &jobs));
            out.blank();
            for g in &loc.groups {
                let hour = rng.below(24);
                out.line(0, &format!("{g}_schedule = dg.ScheduleDefinition("));
                out.line(1, &format!("job={g}_job,"));
                out.line(
                    1,
                    &format!("cron_schedule=\"{} {hour} * * *\",", rng.below(60)),
                );
                out.line(1, "execution_timezone=\"UTC\",");
                out.line(0, ")");
            }
            out.blank();
            out.line(0, "ALL_SCHEDULES = [");
            for g in &loc.groups {
                out.line(1, &format!("{g}_schedule,"));
            }
            out.line(0, "]");
        }
        _ => {
            docstring(out, rng, 0, "Sensors that trigger the asset jobs.", (0, 0));
            out.blank();
            out.line(0, "import os");
            out.blank();
            out.line(0, "import dagster as dg");
            out.blank();
            let g = &loc.groups[0];
            out.line(0, &format!("from {name}.jobs import {g}_job"));
            out.blank();
            out.blank();
            out.line(
                0,
                &format!("@dg.sensor(job={g}_job, minimum_interval_seconds=300)"),
            );
            out.line(
                0,
                &format!("def {g}_landing_sensor(context: dg.SensorEvaluationContext):"),
            );
            docstring(
                out,
                rng,
                1,
                "Requests a run when a new export lands.",
                (0, 0),
            );
            out.line(
                1,
                "landing = os.environ.get(\"LANDING_DIR\", \"/data/landing\")",
            );
            out.line(1, "if not os.path.isdir(landing):");
            out.line(2, "return dg.SkipReason(f\"{landing} does not exist\")");
            out.line(1, "for entry in sorted(os.listdir(landing)):");
            out.line(2, "if entry.endswith(\".done\"):");
            out.line(3, "yield dg.RunRequest(run_key=entry)");
            out.blank();
            out.blank();
            out.line(0, &format!("ALL_SENSORS = [{g}_landing_sensor]"));
        }
    }
}

fn render_test(plan: &Plan, m: &Module, rng: &mut Rng, out: &mut Out) {
    let target = &plan.modules[m.siblings_before[0]];
    docstring(
        out,
        rng,
        0,
        &format!("Tests for `{}`.", target.dotted),
        (0, 0),
    );
    out.blank();
    out.line(0, "import dagster as dg");
    if rng.chance(60) {
        out.line(0, "import pandas as pd");
    }
    out.line(0, "import pytest");
    out.blank();
    out.line(0, &from_import(&target.dotted, &target.exports));
    out.blank();
    out.blank();
    out.line(0, "@pytest.fixture");
    out.line(0, "def context() -> dg.AssetExecutionContext:");
    out.line(1, "return dg.build_asset_context()");
    for asset in &target.exports {
        out.blank();
        out.blank();
        out.line(0, &format!("def test_{asset}_materializes(context):"));
        docstring_random(out, rng, 1, (4, 8), (0, 0));
        out.line(1, &format!("result = {asset}(context)"));
        out.line(1, "assert result is not None");
        out.line(1, "if isinstance(result, dg.MaterializeResult):");
        out.line(2, "assert \"rows\" in (result.metadata or {})");
        if rng.chance(50) {
            out.blank();
            out.blank();
            out.line(0, "@pytest.mark.parametrize(\"limit\", [0, 1, 10, 1000])");
            out.line(0, &format!("def test_{asset}_limits(context, limit):"));
            out.line(1, &format!("result = {asset}(context)"));
            out.line(1, "assert result is not None or limit == 0");
        }
    }
}

/// Modules with real code: assets, resources, helpers, shared modules.
fn render_code(plan: &Plan, m: &Module, rng: &mut Rng, out: &mut Out) {
    let is_asset = m.kind == Kind::Asset;
    let loc = m.location.map(|l| &plan.locations[l]);
    let mut imports = Imports {
        future: rng.chance(30),
        ..Imports::default()
    };

    // stdlib: always what the bodies use, plus a few more.
    imports.stdlib.push("import json".into());
    imports.stdlib.push("import logging".into());
    imports.stdlib.push("import os".into());
    let extra_std = [
        "import functools",
        "import hashlib",
        "import itertools",
        "import re",
        "from collections import defaultdict",
        "from dataclasses import dataclass, field",
        "from pathlib import Path",
    ];
    for i in rng.sample_some(extra_std.len(), 0, 3) {
        imports.stdlib.push(extra_std[i].into());
    }
    imports
        .stdlib
        .push("from datetime import datetime, timedelta, timezone".into());
    let type_checking = rng.chance(25);
    imports.stdlib.push(if type_checking {
        "from typing import TYPE_CHECKING, Any".into()
    } else {
        "from typing import Any".into()
    });
    imports.stdlib.sort_by_key(|l| import_key(l));

    // Third party: dagster, then weighted picks of catalogued packages.
    imports.third.push("import dagster as dg".into());
    let bias = match m.kind {
        Kind::Resource => 2,
        Kind::AreaModule => 2,
        _ => 1,
    };
    for t in THIRD_PARTY {
        if rng.below(100) < t.weight * bias && imports.third.len() < 6 {
            imports.third.push(t.stmt.into());
        }
    }
    if m.kind == Kind::Resource
        && m.exports[0] == "WarehouseResource"
        && !has(&imports.third, "create_engine")
    {
        imports
            .third
            .push("from sqlalchemy import create_engine, text".into());
    }
    if m.kind == Kind::Resource
        && m.exports[0] == "StorageResource"
        && !has(&imports.third, "boto3")
    {
        imports.third.push("import boto3".into());
    }
    imports.third.sort_by_key(|l| import_key(l));
    if type_checking {
        for i in rng.sample_some(TYPE_CHECKING_IMPORTS.len(), 1, 2) {
            imports.type_checking.push(TYPE_CHECKING_IMPORTS[i].into());
        }
    }
    if rng.chance(10) {
        let (stmt, alias) = rng.pick(OPTIONAL_IMPORTS);
        imports.optional = Some(((*stmt).into(), (*alias).into()));
    }

    // First party: names we can call in bodies.
    let mut callables: Vec<String> = Vec::new();
    let mut taken = m.exports.clone();
    let mut add_from = |imports: &mut Imports, module: &str, names: Vec<String>, local: bool| {
        let mut kept = Vec::new();
        for n in names {
            if !taken.contains(&n) {
                taken.push(n.clone());
                kept.push(n);
            }
        }
        if kept.is_empty() {
            return Vec::new();
        }
        let line = from_import(module, &kept);
        if local {
            imports.local.push(line);
        } else {
            imports.first.push(line);
        }
        kept
    };
    if m.location.is_some() || m.kind == Kind::AreaModule {
        let names = if rng.chance(50) {
            vec!["asset_prefix".to_string(), "table_name".to_string()]
        } else {
            vec!["asset_prefix".to_string()]
        };
        add_from(&mut imports, "shared_lib.naming", names, false);
    }
    if m.location.is_some() || rng.chance(40) {
        let k = if is_asset {
            rng.range(0, 3)
        } else {
            rng.range(0, 1)
        };
        for i in rng.sample(plan.shared_area_modules.len(), k) {
            let sm = &plan.modules[plan.shared_area_modules[i]];
            if sm.dotted == m.dotted {
                continue;
            }
            let picks = rng.sample_some(sm.exports.len(), 1, 2);
            let names: Vec<String> = picks.iter().map(|&p| sm.exports[p].clone()).collect();
            callables.extend(add_from(&mut imports, &sm.dotted, names, false));
        }
    }
    if let (true, Some(loc)) = (is_asset, loc) {
        let helpers = &plan.modules[loc.helpers];
        let picks = rng.sample_some(helpers.exports.len(), 1, 3);
        let names: Vec<String> = picks.iter().map(|&p| helpers.exports[p].clone()).collect();
        // Absolute or relative, as teams mix both.
        if rng.chance(50) {
            callables.extend(add_from(&mut imports, &helpers.dotted, names, false));
        } else {
            let dots = ".".repeat(m.depth + 1);
            callables.extend(add_from(
                &mut imports,
                &format!("{dots}utils.helpers"),
                names,
                true,
            ));
        }
        if rng.chance(60) {
            let (_, class) = rng.pick(&loc.resources);
            add_from(
                &mut imports,
                &format!("{}.resources", loc.name),
                vec![class.clone()],
                false,
            );
        }
        if !m.siblings_before.is_empty() && rng.chance(40) {
            let s = &plan.modules[*rng.pick(&m.siblings_before)];
            let stem = s.dotted.rsplit('.').next().unwrap_or("x").to_string();
            if rng.chance(50) {
                add_from(&mut imports, ".", vec![stem], true);
            } else {
                let pick = s.exports[rng.below(s.exports.len())].clone();
                add_from(&mut imports, &format!(".{stem}"), vec![pick], true);
            }
        }
    }
    imports.first.sort_by_key(|l| import_key(l));

    // Header.
    let summary = match m.kind {
        Kind::Asset => format!("{} assets: {}.", title(&m.group), m.exports.join(", ")),
        Kind::Resource => format!("The `{}` resource.", m.exports[0]),
        Kind::Helpers => "Small helpers used across the assets.".to_string(),
        _ => format!("Shared helpers: {}.", m.dotted),
    };
    let summary = if summary.len() > 70 {
        format!("{}...", &summary[..66])
    } else {
        summary
    };
    docstring(out, rng, 0, &summary, (1, 2));
    out.blank();
    imports.render(out);

    // Module-level state: logger, constants, eager clients.
    out.line(0, "logger = logging.getLogger(__name__)");
    out.blank();
    out.line(
        0,
        "DATA_DIR = os.environ.get(\"DATA_DIR\", os.path.join(os.path.dirname(__file__), \"data\"))",
    );
    let table = format!(
        "{}_{}",
        rng.word(NOUNS),
        rng.pick(&["v1", "v2", "current", "snapshot"])
    );
    out.line(0, &format!("DEFAULT_TABLE = \"{table}\""));
    out.line(
        0,
        &format!("BATCH_SIZE = {}", rng.pick(&[100, 500, 1000, 5000, 10000])),
    );
    out.line(0, &format!("RETENTION_DAYS = {}", rng.range(7, 400)));
    let third = imports.third.clone();
    if has(&third, "boto3") && rng.chance(45) {
        out.line(
            0,
            "S3 = boto3.client(\"s3\", region_name=os.environ.get(\"AWS_REGION\", \"eu-west-1\"))",
        );
    }
    if has(&third, "create_engine") && rng.chance(45) {
        out.line(
            0,
            "ENGINE = create_engine(os.environ.get(\"WAREHOUSE_URL\", \"postgresql://localhost/warehouse\"), pool_pre_ping=True)",
        );
    }
    if has(&third, "spacy") && rng.chance(30) {
        out.line(0, "NLP = spacy.load(\"en_core_web_sm\")");
    }
    if has(&third, "AutoTokenizer") && rng.chance(30) {
        out.line(
            0,
            "TOKENIZER = AutoTokenizer.from_pretrained(\"distilbert-base-uncased\")",
        );
    }
    if has(&third, "requests") && rng.chance(8) {
        out.line(
            0,
            "SCHEMA = requests.get(\"https://schemas.example.com/events.json\", timeout=10).json()",
        );
    }
    if has(&third, "duckdb") && rng.chance(25) {
        out.line(0, "CON = duckdb.connect(database=\":memory:\")");
    }
    if has(&third, "bigquery") && rng.chance(30) {
        out.line(0, "BQ = bigquery.Client()");
    }

    // Classes.
    let config_class = if is_asset && rng.chance(55) {
        let name = format!("{}Config", title(&m.group));
        out.blank();
        out.blank();
        out.line(0, &format!("class {name}(dg.Config):"));
        docstring(
            out,
            rng,
            1,
            &format!("Run configuration for the {} assets.", m.group),
            (0, 0),
        );
        out.blank();
        out.line(
            1,
            &format!("limit: int = {}", rng.pick(&[100, 1000, 10000, 100000])),
        );
        out.line(1, &format!("table: str = \"{table}\""));
        out.line(1, "dry_run: bool = False");
        out.line(1, &format!("lookback_days: int = {}", rng.range(1, 90)));
        Some(name)
    } else {
        None
    };
    if m.kind == Kind::Resource {
        render_resource(m, rng, out, &third);
    }
    if has(&third, "BaseModel") && rng.chance(60) {
        let name = format!("{}Record", title(rng.word(NOUNS)));
        out.blank();
        out.blank();
        out.line(0, &format!("class {name}(BaseModel):"));
        docstring(out, rng, 1, "One validated row.", (0, 0));
        out.blank();
        out.line(1, "id: str");
        for _ in 0..rng.range(2, 6) {
            let field = rng.word(DIMS);
            out.line(1, &format!("{field}: str | None = None"));
        }
        out.line(1, "amount: float = Field(default=0.0, ge=0)");
    }

    // Local private helpers.
    let mut private = Vec::new();
    let n_private = if is_asset {
        rng.range(1, 3)
    } else {
        rng.range(0, 2)
    };
    for i in 0..n_private {
        let name = format!("_{}_{}", rng.word(HELPER_VERBS), i);
        render_helper(out, rng, &name);
        private.push(name);
    }

    // Public functions: assets or helpers.
    if is_asset {
        let mut previous: Vec<String> = Vec::new();
        for asset in &m.exports {
            render_asset(
                m,
                rng,
                out,
                asset,
                &previous,
                config_class.as_deref(),
                &third,
                &callables,
                &private,
            );
            previous.push(asset.clone());
        }
    } else if m.kind != Kind::Resource {
        for export in &m.exports {
            if export == "asset_prefix" {
                out.blank();
                out.blank();
                out.line(0, "def asset_prefix(domain: str) -> list[str]:");
                docstring(out, rng, 1, "The key prefix of a domain's assets.", (0, 0));
                out.line(
                    1,
                    "return [os.environ.get(\"ASSET_NAMESPACE\", \"analytics\"), domain]",
                );
            } else if export == "table_name" {
                out.blank();
                out.blank();
                out.line(0, "def table_name(domain: str, name: str) -> str:");
                docstring(out, rng, 1, "The warehouse table of an asset.", (0, 0));
                out.line(1, "return f\"{domain}__{name}\".lower()");
            } else {
                render_helper(out, rng, export);
            }
        }
    }
}

fn render_resource(m: &Module, rng: &mut Rng, out: &mut Out, third: &[String]) {
    let class = &m.exports[0];
    out.blank();
    out.blank();
    out.line(0, &format!("class {class}(dg.ConfigurableResource):"));
    docstring(
        out,
        rng,
        1,
        &format!("Settings and client for {}.", m.dotted),
        (1, 1),
    );
    out.blank();
    match class.as_str() {
        "WarehouseResource" => {
            out.line(1, "url: str = \"postgresql://localhost/warehouse\"");
            out.line(1, "schema_name: str = \"analytics\"");
            out.line(1, "timeout_s: int = 60");
            out.blank();
            out.line(1, "def query(self, sql: str) -> list[dict[str, Any]]:");
            docstring(
                out,
                rng,
                2,
                "Runs a query and returns its rows as dicts.",
                (0, 0),
            );
            if has(third, "create_engine") {
                out.line(2, "engine = create_engine(self.url)");
                out.line(2, "with engine.connect() as conn:");
                out.line(
                    3,
                    "return [dict(row._mapping) for row in conn.execute(text(sql))]",
                );
            } else {
                out.line(2, "raise NotImplementedError(sql)");
            }
        }
        "StorageResource" => {
            out.line(1, "bucket: str = \"analytics-landing\"");
            out.line(1, "prefix: str = \"exports/\"");
            out.blank();
            out.line(1, "def read_json(self, key: str) -> Any:");
            docstring(out, rng, 2, "Reads a JSON object from the bucket.", (0, 0));
            if has(third, "boto3") {
                out.line(2, "client = boto3.client(\"s3\")");
                out.line(
                    2,
                    "body = client.get_object(Bucket=self.bucket, Key=self.prefix + key)[\"Body\"]",
                );
                out.line(2, "return json.loads(body.read())");
            } else {
                out.line(
                    2,
                    "with open(os.path.join(DATA_DIR, key), encoding=\"utf-8\") as handle:",
                );
                out.line(3, "return json.load(handle)");
            }
        }
        _ => {
            out.line(1, "base_url: str = \"https://api.example.com\"");
            out.line(1, "token: str = \"\"");
            out.line(1, "page_size: int = 200");
            out.blank();
            out.line(
                1,
                "def fetch(self, path: str, **params: Any) -> list[dict[str, Any]]:",
            );
            docstring(out, rng, 2, "Fetches every page of an endpoint.", (0, 0));
            out.line(2, "rows: list[dict[str, Any]] = []");
            out.line(2, "page = 0");
            out.line(2, "while True:");
            if has(third, "requests") {
                out.line(3, "response = requests.get(f\"{self.base_url}/{path}\", params={**params, \"page\": page}, timeout=30)");
                out.line(3, "response.raise_for_status()");
                out.line(3, "batch = response.json()");
            } else {
                out.line(3, "batch: list[dict[str, Any]] = []");
            }
            out.line(3, "if not batch:");
            out.line(4, "return rows");
            out.line(3, "rows.extend(batch)");
            out.line(3, "page += 1");
        }
    }
    for _ in 0..rng.range(1, 3) {
        let verb = rng.word(HELPER_VERBS);
        out.blank();
        out.line(
            1,
            &format!("def {verb}(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:"),
        );
        docstring_random(out, rng, 2, (4, 9), (0, 0));
        out.line(2, "out = []");
        out.line(2, "for row in records:");
        out.line(3, &format!("if row.get(\"{}\") is None:", rng.word(DIMS)));
        out.line(4, "continue");
        out.line(3, "out.append(row)");
        out.line(2, "return out");
    }
}

fn render_helper(out: &mut Out, rng: &mut Rng, name: &str) {
    out.blank();
    out.blank();
    let dim = rng.word(DIMS);
    let measure = rng.word(MEASURES);
    match rng.below(4) {
        0 => {
            out.line(
                0,
                &format!("def {name}(records: list[dict[str, Any]], key: str = \"{dim}\") -> list[dict[str, Any]]:"),
            );
            docstring_random(out, rng, 1, (4, 9), (0, 1));
            out.line(1, "out = []");
            out.line(1, "for row in records:");
            out.line(2, "value = row.get(key)");
            out.line(2, "if value is None:");
            out.line(3, "continue");
            out.line(2, "out.append({**row, key: str(value).strip().lower()})");
            out.line(1, "return out");
        }
        1 => {
            out.line(
                0,
                &format!("def {name}(records: list[dict[str, Any]]) -> dict[str, float]:"),
            );
            docstring_random(out, rng, 1, (4, 9), (0, 1));
            out.line(1, "totals: dict[str, float] = {}");
            out.line(1, "for row in records:");
            out.line(2, &format!("key = str(row.get(\"{dim}\", \"unknown\"))"));
            out.line(
                2,
                &format!(
                    "totals[key] = totals.get(key, 0.0) + float(row.get(\"{measure}\", 0) or 0)"
                ),
            );
            out.line(1, "return dict(sorted(totals.items()))");
        }
        2 => {
            out.line(
                0,
                &format!("def {name}(records: list[dict[str, Any]], size: int = BATCH_SIZE) -> list[list[dict[str, Any]]]:"),
            );
            docstring_random(out, rng, 1, (4, 9), (0, 0));
            out.line(1, "if size <= 0:");
            out.line(
                2,
                "raise ValueError(f\"batch size must be positive, got {size}\")",
            );
            out.line(
                1,
                "return [records[i : i + size] for i in range(0, len(records), size)]",
            );
        }
        _ => {
            out.line(
                0,
                &format!("def {name}(value: Any, default: float = 0.0) -> float:"),
            );
            docstring_random(out, rng, 1, (4, 9), (0, 1));
            out.line(1, "if value is None or value == \"\":");
            out.line(2, "return default");
            out.line(1, "try:");
            out.line(2, "return float(str(value).replace(\",\", \"\"))");
            out.line(1, "except ValueError:");
            out.line(2, "logger.debug(\"cannot coerce %r\", value)");
            out.line(2, "return default");
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn render_asset(
    m: &Module,
    rng: &mut Rng,
    out: &mut Out,
    name: &str,
    previous: &[String],
    config: Option<&str>,
    third: &[String],
    callables: &[String],
    private: &[String],
) {
    let pandas = has(third, "pd");
    let returns_frame = pandas && rng.chance(50);
    let dim = rng.word(DIMS);
    let measure = rng.word(MEASURES);
    out.blank();
    out.blank();
    out.line(0, "@dg.asset(");
    out.line(1, &format!("key_prefix=asset_prefix(\"{}\"),", m.group));
    out.line(1, &format!("group_name=\"{}\",", m.group));
    let kind = if returns_frame {
        "pandas"
    } else {
        *rng.pick(&["python", "sql", "s3", "api"])
    };
    out.line(1, &format!("compute_kind=\"{kind}\","));
    if let Some(dep) = previous.last() {
        if rng.chance(60) {
            out.line(1, &format!("deps=[\"{dep}\"],"));
        }
    }
    if rng.chance(40) {
        out.line(
            1,
            &format!(
                "tags={{\"tier\": \"{}\", \"pii\": \"{}\"}},",
                rng.pick(&["gold", "silver", "bronze"]),
                rng.pick(&["true", "false"])
            ),
        );
    }
    if rng.chance(30) {
        out.line(
            1,
            &format!(
                "automation_condition=dg.AutomationCondition.{}(),",
                rng.pick(&["eager", "on_missing"])
            ),
        );
    }
    out.line(0, ")");
    let ret = if returns_frame {
        "pd.DataFrame"
    } else {
        "dg.MaterializeResult"
    };
    match config {
        Some(cfg) => out.line(
            0,
            &format!("def {name}(context: dg.AssetExecutionContext, config: {cfg}) -> {ret}:"),
        ),
        None => out.line(
            0,
            &format!("def {name}(context: dg.AssetExecutionContext) -> {ret}:"),
        ),
    }
    let summary = format!("{}.", title(name));
    docstring(out, rng, 1, &summary, (1, 2));
    out.line(1, "started = datetime.now(tz=timezone.utc)");
    let table = if config.is_some() {
        "config.table".to_string()
    } else {
        "DEFAULT_TABLE".to_string()
    };
    if !private.is_empty() && rng.chance(30) {
        out.line(
            1,
            &format!("records: list[dict[str, Any]] = {}([])", private[0]),
        );
    } else {
        out.line(1, "records: list[dict[str, Any]] = []");
    }
    out.line(
        1,
        &format!("path = os.path.join(DATA_DIR, f\"{{{table}}}.jsonl\")"),
    );
    out.line(1, "if os.path.exists(path):");
    out.line(2, "with open(path, encoding=\"utf-8\") as handle:");
    out.line(
        3,
        "records = [json.loads(line) for line in handle if line.strip()]",
    );
    if config.is_some() {
        out.line(1, "records = records[: config.limit]");
    }
    let empty = if returns_frame {
        "pd.DataFrame()"
    } else {
        "dg.MaterializeResult(metadata={\"rows\": 0})"
    };
    let steps = rng.range(3, 7);
    let mut lazy_done = false;
    for _ in 0..steps {
        match rng.below(10) {
            0 => out.line(
                1,
                "records = [row for row in records if row.get(\"status\") not in {\"deleted\", \"test\"}]",
            ),
            1 => {
                out.line(1, "if not records:");
                out.line(2, &format!("context.log.warning(\"no rows for %s\", \"{name}\")"));
                out.line(2, &format!("return {empty}"));
            }
            2 => {
                out.line(1, "for row in records:");
                out.line(2, "row[\"loaded_at\"] = started.isoformat()");
                out.line(2, &format!("row[\"asset\"] = \"{name}\""));
            }
            3 => {
                out.line(1, "totals: dict[str, float] = {}");
                out.line(1, "for row in records:");
                out.line(2, &format!("key = str(row.get(\"{dim}\", \"unknown\"))"));
                out.line(
                    2,
                    &format!("totals[key] = totals.get(key, 0.0) + float(row.get(\"{measure}\", 0) or 0)"),
                );
                out.line(1, "context.log.info(\"%d groups\", len(totals))");
            }
            4 => {
                let env = name.to_ascii_uppercase();
                out.line(1, "try:");
                out.line(2, &format!("threshold = float(os.environ.get(\"{env}_THRESHOLD\", \"0.5\"))"));
                out.line(1, "except ValueError:");
                out.line(2, &format!("logger.warning(\"invalid threshold for {name}; using 0.5\")"));
                out.line(2, "threshold = 0.5");
                out.line(
                    1,
                    &format!("records = [row for row in records if float(row.get(\"{measure}\", 0) or 0) >= threshold]"),
                );
            }
            5 => {
                out.line(1, "cutoff = (started - timedelta(days=RETENTION_DAYS)).isoformat()");
                out.line(
                    1,
                    "records = [row for row in records if str(row.get(\"updated_at\", cutoff)) >= cutoff]",
                );
            }
            6 if !callables.is_empty() => {
                let f = rng.pick(callables);
                out.line(1, &format!("records = {f}(records)"));
            }
            7 if pandas => {
                out.line(1, "frame = pd.DataFrame.from_records(records)");
                out.line(1, "if not frame.empty:");
                out.line(2, "frame = frame.drop_duplicates().reset_index(drop=True)");
                out.line(1, "context.log.info(\"deduplicated to %d rows\", len(frame))");
            }
            8 if !lazy_done && rng.chance(60) => {
                lazy_done = true;
                let (stmt, code) = rng.pick(LAZY_HEAVY);
                out.line(1, stmt);
                out.blank();
                out.block(1, &code.replace("{m}", measure).replace("{d}", dim));
            }
            _ => {
                out.line(
                    1,
                    &format!("payload = json.dumps({{\"asset\": \"{name}\", \"rows\": len(records)}}, sort_keys=True)"),
                );
                out.line(1, "context.log.debug(payload)");
            }
        }
    }
    if returns_frame {
        out.line(1, "result = pd.DataFrame.from_records(records)");
        out.line(1, "context.add_output_metadata({\"rows\": len(result)})");
        out.line(1, "return result");
    } else {
        out.line(1, "return dg.MaterializeResult(");
        out.line(2, "metadata={");
        out.line(3, "\"rows\": dg.MetadataValue.int(len(records)),");
        out.line(
            3,
            "\"started\": dg.MetadataValue.text(started.isoformat()),",
        );
        out.line(2, "}");
        out.line(1, ")");
    }
}

// ---------------------------------------------------------------- declarations

fn dash(name: &str) -> String {
    name.replace('_', "-")
}

fn workspace_yaml(plan: &Plan) -> String {
    let mut s = String::from("# Generated by examples/gen_monorepo.rs\nload_from:\n");
    for loc in &plan.locations {
        let n = &loc.name;
        let _ = write!(
            s,
            "  - python_module:\n      module_name: {n}.definitions\n      working_directory: projects/{n}\n      location_name: {n}\n"
        );
    }
    s
}

fn helm_values(plan: &Plan, seed: u64) -> String {
    let mut rng = Rng::derive(seed, 3, 0);
    let mut s = String::from(
        "# Generated by examples/gen_monorepo.rs\ndagster-user-deployments:\n  enabled: true\n  deployments:\n",
    );
    for loc in &plan.locations {
        let n = &loc.name;
        let d = dash(n);
        let _ = write!(
            s,
            "    - name: {d}\n      image:\n        repository: registry.example.com/{d}\n        tag: \"2026.11.{}\"\n        pullPolicy: IfNotPresent\n      dagsterApiGrpcArgs:\n        - \"--module-name\"\n        - \"{n}.definitions\"\n        - \"--working-directory\"\n        - \"/opt/dagster/app/projects/{n}\"\n      port: 3030\n",
            rng.range(1, 30)
        );
        if rng.chance(80) {
            const SIZES: &[&str] = &["256Mi", "512Mi", "1Gi", "2Gi", "4Gi"];
            let req = rng.below(4);
            let (req, lim) = (SIZES[req], SIZES[rng.range(req.max(2), 4)]);
            let _ = write!(
                s,
                "      resources:\n        requests:\n          memory: {req}\n          cpu: 250m\n        limits:\n          memory: {lim}\n"
            );
        }
    }
    s
}

fn project_pyproject(loc: &Location) -> String {
    format!(
        "[project]\nname = \"{}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10,<3.13\"\ndependencies = [\n    \"dagster==1.13.0\",\n    \"pandas==2.2.3\",\n    \"boto3==1.35.0\",\n    \"shared-lib\",\n]\n\n[project.optional-dependencies]\ndev = [\"pytest\", \"dagster-webserver==1.13.0\"]\n",
        dash(&loc.name)
    )
}

const SHARED_PYPROJECT: &str = "[project]\nname = \"shared-lib\"\nversion = \"0.3.0\"\nrequires-python = \">=3.10\"\ndependencies = [\"dagster==1.13.0\"]\n";

// ---------------------------------------------------------------- main

struct Args {
    locations: usize,
    files: usize,
    seed: u64,
    out: PathBuf,
}

const USAGE: &str =
    "usage: gen_monorepo [--locations N] [--files N] [--seed S] OUT\n  writes a synthetic Dagster monorepo into OUT (which must not exist or be empty)";

fn parse_args() -> Result<Args, String> {
    let mut locations = 50;
    let mut files = 20_000;
    let mut seed = 1;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--locations" => {
                locations = value("--locations")?
                    .parse()
                    .map_err(|e| format!("--locations: {e}"))?
            }
            "--files" => {
                files = value("--files")?
                    .parse()
                    .map_err(|e| format!("--files: {e}"))?
            }
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            s if s.starts_with('-') => return Err(format!("unknown option `{s}`\n{USAGE}")),
            s => {
                if out.replace(PathBuf::from(s)).is_some() {
                    return Err(format!("more than one OUT\n{USAGE}"));
                }
            }
        }
    }
    let out = out.ok_or_else(|| format!("missing OUT\n{USAGE}"))?;
    Ok(Args {
        locations,
        files,
        seed,
        out,
    })
}

fn write(root: &Path, rel: &str, text: &str) -> Result<u64, String> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text.len() as u64)
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    if args.out.exists() {
        let mut entries =
            fs::read_dir(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} exists and is not empty; remove it first",
                args.out.display()
            ));
        }
    }
    let plan = plan(args.seed, args.locations, args.files)?;
    let root = &args.out;
    let mut bytes = 0u64;
    let mut lines = 0usize;
    for i in 0..plan.modules.len() {
        let text = render(&plan, args.seed, i);
        lines += text.lines().count();
        bytes += write(root, &plan.modules[i].rel, &text)?;
    }
    write(root, "workspace.yaml", &workspace_yaml(&plan))?;
    write(root, "helm/values.yaml", &helm_values(&plan, args.seed))?;
    write(root, "libraries/pyproject.toml", SHARED_PYPROJECT)?;
    for loc in &plan.locations {
        write(
            root,
            &format!("projects/{}/pyproject.toml", loc.name),
            &project_pyproject(loc),
        )?;
    }
    write(
        root,
        "README.md",
        &format!(
            "# Synthetic Dagster monorepo\n\nGenerated by `cargo run --release --example gen_monorepo -- --locations {} --files {} --seed {} OUT`.\n",
            args.locations, args.files, args.seed
        ),
    )?;
    eprintln!(
        "wrote {} .py files ({:.1} MiB, {} lines, {:.0} lines/file) in {} locations to {}",
        plan.modules.len(),
        bytes as f64 / (1024.0 * 1024.0),
        lines,
        lines as f64 / plan.modules.len() as f64,
        plan.locations.len(),
        root.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_monorepo: {e}");
            ExitCode::from(2)
        }
    }
}
