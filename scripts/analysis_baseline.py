#!/usr/bin/env python3
"""scikit-learn baseline for `ecoute-analysis-bench`: TF-IDF + SVD(100) + KMeans on the Grand
Débat answers, as in the data README. Prints time, peak memory, NMI against question_code and the
largest cluster's share, in the same words as the Rust benchmark.

Setup (outside the repository):
    python3 -m venv ~/.cache/ecoute/venv && ~/.cache/ecoute/venv/bin/pip install scikit-learn pandas
Run:
    ~/.cache/ecoute/venv/bin/python scripts/analysis_baseline.py [../shared/data/grand-debat/answers.csv] [k]
"""
import os
import resource
import sys
import time

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer

here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "data", "grand-debat", "answers.csv")
k = int(sys.argv[2]) if len(sys.argv) > 2 else 20

frame = pd.read_csv(path, dtype=str, keep_default_na=False)
start = time.perf_counter()
tfidf = TfidfVectorizer(min_df=2, max_df=0.5, sublinear_tf=True)
lsa = make_pipeline(TruncatedSVD(n_components=100, random_state=0), Normalizer(copy=False))
coords = lsa.fit_transform(tfidf.fit_transform(frame["text"]))
labels = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(coords)
elapsed = time.perf_counter() - start

nmi = normalized_mutual_info_score(frame["question_code"], labels)
largest = pd.Series(labels).value_counts().max() / len(labels)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"scikit-learn TF-IDF + SVD(100) + KMeans(k={k}): {elapsed:.1f} s, peak RSS {peak:.0f} MiB "
      f"(whole process, pandas included), NMI {nmi:.3f}, largest theme {largest:.1%}")
