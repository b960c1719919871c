//! The rules: one file per rule.
