package org.beatgan.core.data.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 in its standard binary format ("CIFAR-10 binary version"): {@code data_batch_1.bin}
 * .. {@code data_batch_5.bin} and {@code test_batch.bin}, each a sequence of records of one label
 * byte (0..9) and 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, rows of 32), 10,000
 * records per file. CIFAR-10 cannot be had on the project's machines, so nothing here downloads it:
 * a user points {@code --data} at a folder holding these files (the extracted
 * {@code cifar-10-batches-bin}). A file that is missing, not a whole number of records, or holds
 * a label outside 0..9 fails naming it.
 */
public final class Cifar10BinaryReader {

    public static final int RECORD = 1 + 3 * 32 * 32;
    public static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    public static final String TEST_FILE = "test_batch.bin";

    private Cifar10BinaryReader() {
    }

    /** The training (5 files) or test images, 3 x 32 x 32. */
    public static ImageSet read(Path dir, boolean train) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String f : train ? TRAIN_FILES : List.of(TEST_FILE)) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) {
                throw new NoSuchFileException(p.toString(), null, "CIFAR-10 binary file not found (a folder with "
                        + TRAIN_FILES + " and " + TEST_FILE + " is expected, e.g. the extracted cifar-10-batches-bin)");
            }
            files.add(p);
        }
        List<byte[]> contents = new ArrayList<>();
        int count = 0;
        for (Path p : files) {
            byte[] bytes = Files.readAllBytes(p);
            if (bytes.length == 0 || bytes.length % RECORD != 0) {
                throw new IOException(p + ": " + bytes.length + " bytes is not a whole number of " + RECORD
                        + "-byte CIFAR-10 records (truncated or not a CIFAR-10 binary file)");
            }
            contents.add(bytes);
            count += bytes.length / RECORD;
        }
        byte[] pixels = new byte[count * (RECORD - 1)];
        int[] labels = new int[count];
        int n = 0;
        for (int f = 0; f < files.size(); f++) {
            byte[] bytes = contents.get(f);
            for (int r = 0; r < bytes.length / RECORD; r++, n++) {
                int label = bytes[r * RECORD] & 0xff;
                if (label > 9) {
                    throw new IOException(files.get(f) + ": record " + r + " has label " + label
                            + ", expected 0..9 (not a CIFAR-10 binary file?)");
                }
                labels[n] = label;
                System.arraycopy(bytes, r * RECORD + 1, pixels, n * (RECORD - 1), RECORD - 1);
            }
        }
        return new ImageSet("cifar-10" + (train ? "/train" : "/test"), pixels, labels, 3, 32, 32, 10);
    }
}
