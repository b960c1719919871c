"""NLP: spacy at module level (thinc imports torch when it is installed)."""

import dagster as dg
import spacy


@dg.asset
def tokens() -> list[str]:
    nlp = spacy.blank("en")
    return [t.text for t in nlp("Dagster code locations stay resident.")]
