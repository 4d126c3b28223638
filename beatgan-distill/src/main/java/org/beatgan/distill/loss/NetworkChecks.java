package org.beatgan.distill.loss;

/** Consistency checks shared by the losses that own a student and a teacher {@link TinyClassifier}. */
final class NetworkChecks {

    private NetworkChecks() {
    }

    static void sameClasses(String id, TinyClassifier student, TinyClassifier teacher) {
        if (student.classes() != teacher.classes()) {
            throw new IllegalArgumentException(id + ": student has " + student.classes() + " classes, teacher "
                    + teacher.classes() + "; both must classify into the same classes");
        }
    }
}
