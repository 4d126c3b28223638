package org.beatgan.core.data.wfdb;

import java.util.List;

/**
 * A WFDB record held in memory: header, ADC samples and (optionally) one annotator's annotations.
 *
 * <p>Samples are kept as ADC values because they are exact and half the size of floats; the physical
 * views are computed on request with the header's gain and baseline. The arrays are shared, not
 * copied (records are large and read once); callers must not modify them.
 *
 * @param header      the parsed header
 * @param adc         ADC samples {@code [channel][sample]}, channels in header order
 * @param annotations annotations in file order (empty when none were read)
 */
public record WfdbRecord(WfdbHeader header, short[][] adc, List<WfdbAnnotation> annotations) {

    public WfdbRecord {
        annotations = List.copyOf(annotations);
    }

    public int numSignals() {
        return adc.length;
    }

    /** Samples per signal actually read. */
    public int length() {
        return adc.length == 0 ? 0 : adc[0].length;
    }

    /** Physical values of one channel (e.g. mV), {@code (adc - baseline) / gain}. */
    public float[] physical(int channel) {
        return WfdbSignalReader.toPhysical(adc[channel], header.signal(channel));
    }

    /** Physical values of one channel in double precision, for filtering without extra rounding. */
    public double[] physicalDouble(int channel) {
        return WfdbSignalReader.toPhysicalDouble(adc[channel], header.signal(channel));
    }

    /** All channels in physical units, {@code [channel][sample]}. */
    public float[][] physicalSignals() {
        float[][] out = new float[adc.length][];
        for (int ch = 0; ch < adc.length; ch++) {
            out[ch] = physical(ch);
        }
        return out;
    }
}
