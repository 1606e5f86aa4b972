// The instance's interactive serial console: xterm.js on the dashboard's WebSocket
// (/api/console/<id>), which the service joins to compute's OpenConsole stream. Loaded only
// when the Console tab opens, so the rest of the app does not carry the terminal's weight.
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { csrfToken } from '../api';

export function SerialConsole(props: { id: string; name: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'connecting' | 'connected' | 'closed'>('connecting');
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!host.current) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 14, rows: 30, cols: 100, scrollback: 5000 });
    term.open(host.current);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/api/console/${encodeURIComponent(props.id)}?csrf=${encodeURIComponent(csrfToken())}`);
    ws.binaryType = 'arraybuffer';
    const encoder = new TextEncoder();
    setState('connecting');
    ws.onopen = () => { setState('connected'); term.focus(); };
    ws.onmessage = (e) => term.write(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer));
    ws.onclose = () => { setState('closed'); term.write('\r\n[console closed]\r\n'); };
    const typed = term.onData((d) => { if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(d)); });
    return () => { typed.dispose(); ws.onclose = null; ws.close(); term.dispose(); };
  }, [props.id, generation]);

  return (
    <div class="serial">
      <p class="muted small" data-testid="serial-state" data-state={state}>
        {state === 'connecting' && 'Connecting to the serial console…'}
        {state === 'connected' && <>Connected to the serial console of {props.name}. Click the terminal and type; press Enter for a login prompt. One user at a time: opening it elsewhere closes this one.</>}
        {state === 'closed' && <>The console session ended. <button type="button" class="small-btn" onClick={() => setGeneration(generation + 1)}>Reconnect</button></>}
      </p>
      <div ref={host} class="terminal" data-testid="serial-console" aria-label={`Serial console of ${props.name}`} />
    </div>
  );
}
