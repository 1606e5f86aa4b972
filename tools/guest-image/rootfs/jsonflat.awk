# Flattens a JSON document into one "path<TAB>value" line per scalar, so the guest's
# shell can read the config drive with grep/awk instead of a JSON library:
#   {"a": {"b": [1, "x"]}, "c": null}  ->  a.b.0<TAB>1 / a.b.1<TAB>x / c<TAB>null
# Whitespace and key order do not matter. Escapes \" \\ \/ \t \n are decoded
# (\n becomes a space so a value stays on one line); \uXXXX is kept verbatim.
{ text = text $0 "\n" }

END {
    pos = 1
    len = length(text)
    parse_value("")
}

function skip_space() {
    while (pos <= len && index(" \t\r\n", substr(text, pos, 1)) > 0)
        pos++
}

function emit(path, value) {
    printf "%s\t%s\n", path, value
}

function join(path, key) {
    return path == "" ? key : path "." key
}

function parse_value(path,    c) {
    skip_space()
    c = substr(text, pos, 1)
    if (c == "{")
        parse_object(path)
    else if (c == "[")
        parse_array(path)
    else if (c == "\"")
        emit(path, parse_string())
    else
        emit(path, parse_literal())
}

function parse_object(path,    key, c) {
    pos++
    skip_space()
    if (substr(text, pos, 1) == "}") { pos++; return }
    while (pos <= len) {
        skip_space()
        key = parse_string()
        skip_space()
        pos++                      # the ':'
        parse_value(join(path, key))
        skip_space()
        c = substr(text, pos, 1)
        pos++                      # ',' or '}'
        if (c != ",") return
    }
}

function parse_array(path,    index_in_array, c) {
    pos++
    skip_space()
    if (substr(text, pos, 1) == "]") { pos++; return }
    index_in_array = 0
    while (pos <= len) {
        parse_value(join(path, index_in_array))
        index_in_array++
        skip_space()
        c = substr(text, pos, 1)
        pos++                      # ',' or ']'
        if (c != ",") return
    }
}

function parse_string(    out, c, e) {
    out = ""
    pos++                          # opening quote
    while (pos <= len) {
        c = substr(text, pos, 1)
        if (c == "\"") { pos++; return out }
        if (c == "\\") {
            e = substr(text, pos + 1, 1)
            pos += 2
            if (e == "n" || e == "r" || e == "t") out = out " "
            else if (e == "u") out = out "\\u"
            else out = out e       # \" \\ \/ and anything else: the character itself
            continue
        }
        out = out c
        pos++
    }
    return out
}

function parse_literal(    start) {
    start = pos
    while (pos <= len && index(",}] \t\r\n", substr(text, pos, 1)) == 0)
        pos++
    return substr(text, start, pos - start)
}
