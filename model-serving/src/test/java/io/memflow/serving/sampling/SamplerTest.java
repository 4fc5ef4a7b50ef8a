package io.memflow.serving.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final float[] LOGITS = {1f, 3f, 2.9f, -1f, 0f, 2.95f};

    @Test
    void greedyPicksArgmax() {
        assertThat(Sampler.create(0f, 1f, 1).sample(LOGITS.clone())).isEqualTo(1);
    }

    @Test
    void seededSamplingRepeats() {
        for (float topP : new float[] {1f, 0.9f}) {
            Sampler a = Sampler.create(1f, topP, 42);
            Sampler b = Sampler.create(1f, topP, 42);
            for (int i = 0; i < 100; i++) {
                assertThat(a.sample(LOGITS.clone())).isEqualTo(b.sample(LOGITS.clone()));
            }
        }
    }

    @Test
    void topPKeepsOnlyTheNucleus() {
        // probabilities of ids 1, 5, 2 sum to about 0.84 at temperature 1; top-p 0.5 keeps 1 and 5
        Sampler s = Sampler.create(1f, 0.5f, 7);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            seen.add(s.sample(LOGITS.clone()));
        }
        assertThat(seen).containsExactlyInAnyOrder(1, 5);
        Sampler all = Sampler.create(1f, 1f, 7);
        Set<Integer> any = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            any.add(all.sample(LOGITS.clone()));
        }
        assertThat(any).contains(0, 1, 2, 4, 5);
    }
}
