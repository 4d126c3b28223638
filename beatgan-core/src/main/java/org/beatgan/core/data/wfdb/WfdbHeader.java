package org.beatgan.core.data.wfdb;

import java.util.List;

/**
 * Parsed record line plus signal lines of a WFDB {@code .hea} file.
 *
 * <p>Only single-segment records are represented; multi-segment headers are rejected by the parser
 * rather than half-read.
 *
 * @param recordName        record name from the header (not necessarily the file name)
 * @param numSignals        number of signals (= {@code signals().size()})
 * @param samplingFrequency samples per second per signal (WFDB default 250 when absent)
 * @param samplesPerSignal  samples per signal, or 0 when the header leaves it unspecified
 * @param signals           one spec per signal, in header order (= channel order in the data)
 * @param comments          comment lines without the leading {@code #}, in order
 */
public record WfdbHeader(
        String recordName,
        int numSignals,
        double samplingFrequency,
        long samplesPerSignal,
        List<WfdbSignalSpec> signals,
        List<String> comments) {

    public WfdbHeader {
        signals = List.copyOf(signals);
        comments = List.copyOf(comments);
        if (signals.size() != numSignals) {
            throw new IllegalArgumentException(
                    "numSignals " + numSignals + " != " + signals.size() + " signal specs");
        }
    }

    public WfdbSignalSpec signal(int channel) {
        return signals.get(channel);
    }

    /** Index of the first signal whose description equals {@code description} (trimmed), or -1. */
    public int indexOfDescription(String description) {
        for (int i = 0; i < signals.size(); i++) {
            if (signals.get(i).description().trim().equals(description)) {
                return i;
            }
        }
        return -1;
    }
}
