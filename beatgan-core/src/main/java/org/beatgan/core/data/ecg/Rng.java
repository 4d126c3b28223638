package org.beatgan.core.data.ecg;

import java.util.Random;

/**
 * Seeded random streams for the package's shuffles. Each use derives its own stream from
 * (seed, stream id) so that results depend only on those two numbers, never on how many random
 * numbers some other step happened to draw first.
 */
final class Rng {

    private Rng() {
    }

    static Random random(long seed, long stream) {
        return new Random(mix(seed * 0x9E3779B97F4A7C15L + stream));
    }

    /** MurmurHash3's 64-bit finaliser: neighbouring inputs give unrelated seeds. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** Fisher-Yates shuffle in place. */
    static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
