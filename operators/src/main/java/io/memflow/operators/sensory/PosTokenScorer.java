package io.memflow.operators.sensory;

import io.memflow.operators.text.Text;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import opennlp.tools.postag.POSModel;
import opennlp.tools.postag.POSTaggerME;

/**
 * The default sensory scorer: part of speech from Apache OpenNLP's English model (Universal
 * Dependencies tags) decides each word's {@link WordClass}, and compression deletes the classes in
 * order: fillers, articles, first-person pronouns and auxiliaries, clause glue, relation words,
 * adverbs, and content words (nouns, verbs, adjectives) last, longer (rarer) ones after shorter
 * ones. Proper nouns and numbers are protected on top of what {@link HeuristicTokenScorer}
 * protects.
 *
 * <p>The model is loaded once per JVM and shared; {@link POSTaggerME} is not thread-safe, so each
 * thread gets its own tagger over the shared model.
 */
public class PosTokenScorer implements TokenScorer {
    private static final long serialVersionUID = 1L;

    static final String MODEL_RESOURCE = "/opennlp-en-ud-ewt-pos-1.3-2.5.4.bin";
    static final Set<String> ALWAYS_KEEP = Set.of("PROPN", "NUM");

    private final HeuristicTokenScorer fallback = new HeuristicTokenScorer();

    private static final class Holder {
        static final POSModel MODEL = load();
        static final ThreadLocal<POSTaggerME> TAGGER =
                ThreadLocal.withInitial(() -> new POSTaggerME(MODEL));

        private static POSModel load() {
            try (InputStream in = PosTokenScorer.class.getResourceAsStream(MODEL_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(
                            "OpenNLP POS model " + MODEL_RESOURCE + " is not on the class path");
                }
                return new POSModel(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load OpenNLP POS model", e);
            }
        }
    }

    /** UD part-of-speech tag per word (punctuation stripped for tagging). */
    public String[] tags(List<String> words) {
        return cachedTags(words).clone();
    }

    private static String[] cachedTags(List<String> words) {
        // compression asks for scores and then protected words of the same list: tag it once
        Tagged last = LAST.get();
        if (last != null && last.words() == words) {
            return last.tags();
        }
        String[] tags = tagNow(words);
        LAST.set(new Tagged(words, tags));
        return tags;
    }

    private record Tagged(List<String> words, String[] tags) {}

    /** The last list tagged on this thread, compared by identity. */
    private static final ThreadLocal<Tagged> LAST = new ThreadLocal<>();

    private static String[] tagNow(List<String> words) {
        String[] cores = new String[words.size()];
        for (int i = 0; i < cores.length; i++) {
            String c = String.join("", Text.tokens(words.get(i)));
            String raw = words.get(i).replaceAll("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}']+$", "");
            cores[i] = c.isEmpty() ? "." : raw.isEmpty() ? c : raw;
        }
        return Holder.TAGGER.get().tag(cores);
    }

    @Override
    public double[] score(List<String> words) {
        String[] tags = cachedTags(words);
        double[] s = new double[words.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = WordClass.rank(HeuristicTokenScorer.core(words.get(i)), tags[i]);
        }
        return s;
    }

    @Override
    public boolean[] protectedWords(List<String> words) {
        String[] tags = cachedTags(words);
        boolean[] out = new boolean[words.size()];
        for (int i = 0; i < out.length; i++) {
            String core = HeuristicTokenScorer.core(words.get(i));
            out[i] =
                    fallback.isProtected(words, i)
                            || (!core.isEmpty() && ALWAYS_KEEP.contains(tags[i]));
        }
        return out;
    }

    @Override
    public boolean isProtected(List<String> words, int index) {
        if (fallback.isProtected(words, index)) {
            return true;
        }
        String core = HeuristicTokenScorer.core(words.get(index));
        return !core.isEmpty() && ALWAYS_KEEP.contains(cachedTags(words)[index]);
    }
}
