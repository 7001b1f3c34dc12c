/** Navigation icons of the catalogue pages, inline SVG like the others in Layout.tsx. */
const svg = { className: 'nav-icon', viewBox: '0 0 16 16', width: 15, height: 15, fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, focusable: false } as const;

/** A funnel: contacts picked by rules. */
export function SegmentIcon() {
  return (
    <svg {...svg}>
      <path d="M1.5 2.5h13L9.5 8.5v5l-3-1.5v-3.5Z" />
    </svg>
  );
}

/** Three circles together: a group. */
export function GroupIcon() {
  return (
    <svg {...svg}>
      <circle cx="5" cy="5.5" r="2.5" />
      <circle cx="11" cy="5.5" r="2.5" />
      <circle cx="8" cy="11" r="2.5" />
    </svg>
  );
}

/** A table with an added column: fields of one's own. */
export function FieldIcon() {
  return (
    <svg {...svg}>
      <rect x="1.5" y="2.5" width="13" height="11" rx="1.5" />
      <path d="M1.5 6h13M6 6v7.5M10.5 6v7.5" />
    </svg>
  );
}

/** An envelope: newsletter categories. */
export function CategoryIcon() {
  return (
    <svg {...svg}>
      <rect x="1.5" y="3.5" width="13" height="9" rx="1.5" />
      <path d="m2 4.5 6 4.5 6-4.5" />
    </svg>
  );
}
