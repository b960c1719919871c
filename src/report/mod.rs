//! Stage 6: the report and its renderers.
