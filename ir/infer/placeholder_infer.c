/* Placeholder: replaced by the shape inference of every op. */
