"""privacybot's answer engine: policies in, quoted clauses out. No web code here."""
from .answer import Answer, Reply
from .corpus import CorpusError, Policy, load_corpus
from .engine import PolicyIndex
from .sections import Clause, split_clauses

__all__ = ["Answer", "Clause", "CorpusError", "Policy", "PolicyIndex", "Reply", "load_corpus",
           "split_clauses"]
