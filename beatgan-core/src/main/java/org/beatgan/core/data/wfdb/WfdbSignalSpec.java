package org.beatgan.core.data.wfdb;

/**
 * One signal line of a WFDB header, with the spec's defaults already applied so that readers
 * never have to remember them (gain 0 means 200, a missing baseline means the ADC zero, ...).
 *
 * @param fileName        signal file name, relative to the header's directory
 * @param format          storage format (212, 16, ...); {@link WfdbSignalReader#SUPPORTED_FORMATS} can be decoded
 * @param samplesPerFrame samples of this signal per frame (the {@code x} suffix); 1 when absent
 * @param skew            skew in frames (the {@code :} suffix); 0 when absent
 * @param byteOffset      bytes to skip at the start of the signal file (the {@code +} suffix)
 * @param gain            ADC units per physical unit; {@link WfdbHeaderParser#DEFAULT_GAIN} when absent or 0
 * @param baseline        ADC value that corresponds to 0 physical units; the ADC zero when absent
 * @param units           physical units; {@code mV} when absent
 * @param adcResolution   bits of ADC resolution; 12 for format 212 when absent
 * @param adcZero         ADC value in the middle of the input range; 0 when absent
 * @param initialValue    first sample value; the ADC zero when absent
 * @param checksum        16-bit sum of all samples, or {@code null} when the header does not give one
 * @param blockSize       block size (0 for ordinary files)
 * @param description     free-text signal description, e.g. {@code MLII}; empty when absent
 */
public record WfdbSignalSpec(
        String fileName,
        int format,
        int samplesPerFrame,
        int skew,
        long byteOffset,
        double gain,
        int baseline,
        String units,
        int adcResolution,
        int adcZero,
        int initialValue,
        Integer checksum,
        int blockSize,
        String description) {

    /** Physical value of an ADC sample: {@code (adc - baseline) / gain}. */
    public double toPhysical(int adc) {
        return (adc - baseline) / gain;
    }
}
