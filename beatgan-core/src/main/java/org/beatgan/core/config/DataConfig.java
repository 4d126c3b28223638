package org.beatgan.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Which beats an experiment uses.
 *
 * @param path       a MIT-BIH folder (WFDB records), a folder of BeatGAN-layout .npy arrays, or
 *                   null for the shipped MIT-BIH records
 * @param protocol   beatgan | clean | inter-patient (see docs/data.md)
 * @param fold       fold of the normal beats used as test normals (0..4; ignored by inter-patient)
 * @param trainLimit at most this many training beats (a seeded random subset); 0 = all
 * @param evalLimit  at most this many validation and this many test beats (seeded, stratified by
 *                   class so rare classes survive); 0 = all
 * @param seed       seed of the split and the subsets
 */
public record DataConfig(String path, String protocol, int fold, int trainLimit, int evalLimit, long seed) {

    @JsonCreator
    public DataConfig(@JsonProperty("path") String path, @JsonProperty("protocol") String protocol,
                      @JsonProperty("fold") int fold, @JsonProperty("trainLimit") int trainLimit,
                      @JsonProperty("evalLimit") int evalLimit, @JsonProperty("seed") long seed) {
        if (fold < 0 || fold > 4) {
            throw new IllegalArgumentException("data.fold = " + fold + ", expected 0..4");
        }
        if (trainLimit < 0 || evalLimit < 0) {
            throw new IllegalArgumentException("data.trainLimit/evalLimit must be >= 0 (0 = all), got "
                    + trainLimit + "/" + evalLimit);
        }
        this.path = path;
        this.protocol = protocol == null ? "beatgan" : protocol;
        this.fold = fold;
        this.trainLimit = trainLimit;
        this.evalLimit = evalLimit;
        this.seed = seed;
    }
}
