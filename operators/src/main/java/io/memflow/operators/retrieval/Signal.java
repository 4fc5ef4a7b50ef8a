package io.memflow.operators.retrieval;

/**
 * One ranking of a user's memories for a question. The retriever fuses the rankings of its {@link
 * Retriever.Vote}s by weighted reciprocal rank, so a signal only has to order memories, on any
 * scale; a memory a signal gives no positive score gets no vote from it.
 */
public enum Signal {
    /** BM25 over the memory texts: exact names, objects, places. */
    BM25,
    /** Cosine between the question's and the memories' embeddings: paraphrases. */
    DENSE,
    /**
     * The question names a speaker of the conversation ("What did Caroline ..."): that speaker's
     * memories rank above the other speakers'. Names occur in many memories, so BM25 gives them
     * little weight; who said it is still the first thing such a question constrains.
     */
    SPEAKER,
    /**
     * The turns just before and after the best hits in their session (second stage, after the
     * others): an answer is often split over a question and its reply, or a statement and its
     * follow-up, and only one half shares words with the question.
     */
    NEIGHBOUR;

    /** The configuration key of the signal's weight: {@code memflow.retrieval.<name>-weight}. */
    public String option() {
        return "memflow.retrieval." + name().toLowerCase(java.util.Locale.ROOT) + "-weight";
    }
}
