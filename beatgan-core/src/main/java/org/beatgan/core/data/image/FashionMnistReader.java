package org.beatgan.core.data.image;

import org.deeplearning4j.datasets.mnist.MnistImageFile;
import org.deeplearning4j.datasets.mnist.MnistLabelFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Fashion-MNIST (or MNIST) in the IDX format, from a folder holding
 * {@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
 * {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]} (as shipped in
 * {@code shared/data/fashion-mnist/} and by Debian's {@code dataset-fashion-mnist}). The IDX files
 * are read by DL4J's own {@link MnistImageFile} / {@link MnistLabelFile} (never its fetchers,
 * which download); gzip files are first inflated to a temporary file, since those classes read
 * a {@code RandomAccessFile}. A missing, truncated or foreign file fails naming it.
 */
public final class FashionMnistReader {

    private static final int CLASSES = 10;

    private FashionMnistReader() {
    }

    /** The training (60,000) or test (10,000) images, 1 x 28 x 28. */
    public static ImageSet read(Path dir, boolean train) throws IOException {
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        Path rawImages = inflated(images);
        Path rawLabels = inflated(labels);
        try {
            byte[] pixels;
            int rows;
            int cols;
            int count;
            try (MnistImageFile f = open(() -> new MnistImageFile(rawImages.toString(), "r"), images)) {
                rows = f.getRows();
                cols = f.getCols();
                count = f.getCount();
                checkLength(images, rawImages, f.getHeaderSize() + (long) count * rows * cols, count + " images");
                byte[][] all = f.readImagesUnsafe(count);
                pixels = new byte[count * rows * cols];
                for (int i = 0; i < count; i++) {
                    System.arraycopy(all[i], 0, pixels, i * rows * cols, rows * cols);
                }
            }
            int[] y;
            try (MnistLabelFile f = open(() -> new MnistLabelFile(rawLabels.toString(), "r"), labels)) {
                if (f.getCount() != count) {
                    throw new IOException(labels + ": " + f.getCount() + " labels for the " + count + " images of " + images);
                }
                checkLength(labels, rawLabels, f.getHeaderSize() + (long) count, count + " labels");
                y = f.readLabels(count);
            }
            return new ImageSet(dir.getFileName() + (train ? "/train" : "/test"), pixels, y, 1, rows, cols, CLASSES);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + ": " + e.getMessage(), e);
        } finally {
            if (!rawImages.equals(images)) Files.deleteIfExists(rawImages);
            if (!rawLabels.equals(labels)) Files.deleteIfExists(rawLabels);
        }
    }

    private interface Opener<T> {
        T open() throws IOException;
    }

    /** DL4J's classes reject a wrong magic number with a RuntimeException; name the file instead. */
    private static <T> T open(Opener<T> opener, Path source) throws IOException {
        try {
            return opener.open();
        } catch (RuntimeException e) {
            throw new IOException(source + ": not an IDX file of the expected kind (" + e.getMessage() + ")", e);
        } catch (java.io.EOFException e) {
            throw new IOException(source + ": truncated IDX header", e);
        }
    }

    private static void checkLength(Path source, Path raw, long expected, String what) throws IOException {
        long actual = Files.size(raw);
        if (actual < expected) {
            throw new IOException(source + ": truncated, " + actual + " bytes where " + what + " need " + expected);
        }
    }

    private static Path find(Path dir, String base) throws IOException {
        for (String name : new String[]{base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new NoSuchFileException(dir.resolve(base + ".gz").toString(), null,
                "Fashion-MNIST IDX file not found (also looked for " + base + ")");
    }

    private static Path inflated(Path file) throws IOException {
        if (!file.getFileName().toString().endsWith(".gz")) {
            return file;
        }
        Path tmp = Files.createTempFile("idx-", ".ubyte");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        } catch (ZipException | java.io.EOFException e) {
            Files.deleteIfExists(tmp);
            throw new IOException(file + ": not a readable gzip file (" + e.getMessage() + ")", e);
        }
        return tmp;
    }
}
