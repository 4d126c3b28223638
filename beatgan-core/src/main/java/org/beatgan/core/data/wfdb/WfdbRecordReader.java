package org.beatgan.core.data.wfdb;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a whole WFDB record (header, signals in any format {@link WfdbSignalReader} decodes, one
 * annotator) from a directory.
 *
 * <p>Annotation times are checked against the signal length read from the data, so an annotation
 * file that belongs to another (longer) record is caught here rather than producing windows that
 * silently fall off the signal.
 */
public final class WfdbRecordReader {

    /** The annotator MIT-BIH's reference beat labels are stored under. */
    public static final String REFERENCE_ANNOTATOR = "atr";

    private WfdbRecordReader() {
    }

    /** Reads {@code dir/record.hea}, its signal file(s) and {@code dir/record.atr}. */
    public static WfdbRecord read(Path dir, String record) throws IOException {
        return read(dir, record, REFERENCE_ANNOTATOR);
    }

    /**
     * Reads a record with the annotations of {@code annotator} (file {@code record.annotator}), or
     * none when {@code annotator} is {@code null}.
     */
    public static WfdbRecord read(Path dir, String record, String annotator) throws IOException {
        WfdbHeader header = WfdbHeaderParser.parse(dir.resolve(record + ".hea"));
        short[][] adc = WfdbSignalReader.readAdc(dir, header, true);
        List<WfdbAnnotation> annotations = List.of();
        if (annotator != null) {
            long length = adc.length == 0 ? header.samplesPerSignal() : adc[0].length;
            annotations = MitAnnotationReader.read(dir.resolve(record + "." + annotator), length);
        }
        return new WfdbRecord(header, adc, annotations);
    }

    /** Reads only the header of {@code record}. */
    public static WfdbHeader readHeader(Path dir, String record) throws IOException {
        return WfdbHeaderParser.parse(dir.resolve(record + ".hea"));
    }
}
