package org.beatgan.core.data.wfdb;

/**
 * One annotation of an MIT-format annotation file.
 *
 * <p>Field widths follow WFDB's C {@code WFDB_Annotation}: {@code subtype} and {@code num} are
 * signed 8-bit values (so a stored 10-bit 1023 reads as -1, which MIT-BIH uses on noise
 * annotations for "all signals unreadable"), {@code chan} is unsigned 8-bit.
 *
 * @param sample  sample index (time) of the annotation, counted from 0
 * @param code    annotation code, 0..49 (see {@link AnnotationCodes})
 * @param symbol  WFDB mnemonic for {@code code}, e.g. {@code N}, {@code V}, {@code +}
 * @param subtype annotation subtype (reset to 0 for every annotation)
 * @param chan    signal the annotation refers to (carried over from the previous annotation)
 * @param num     annotator-defined number (carried over from the previous annotation)
 * @param aux     auxiliary text, e.g. a rhythm such as {@code (AFIB}; {@code null} when absent
 */
public record WfdbAnnotation(long sample, int code, String symbol, int subtype, int chan, int num, String aux) {
}
