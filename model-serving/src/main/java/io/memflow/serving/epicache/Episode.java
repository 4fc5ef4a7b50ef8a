package io.memflow.serving.epicache;

/**
 * One episode of a conversation: a K-means cluster of utterance windows.
 *
 * @param id cluster index
 * @param centroid mean of the member windows' unit embeddings (not renormalised)
 * @param windows indices of the member windows, ascending (time order)
 * @param medoidWindows the (up to N) members nearest the centroid, re-sorted into time order: their
 *     text is the episode's patched prompt
 * @param patchedText the medoid windows' text joined by newlines
 */
public record Episode(
        int id, float[] centroid, int[] windows, int[] medoidWindows, String patchedText) {}
